// helpers: bpf_skb_load_bytes (an skb helper) from an XDP program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int skb_helper_in_xdp(void)
{
	asm volatile (
	"r2 = 0\n"
	"r3 = r10\n"
	"r3 += -8\n"
	"r4 = 4\n"
	"call %[bpf_skb_load_bytes]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_skb_load_bytes)
	: "memory");
}

char _license[] SEC("license") = "GPL";
