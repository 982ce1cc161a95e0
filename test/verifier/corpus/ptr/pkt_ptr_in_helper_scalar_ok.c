// ptr: a packet pointer passed as a number argument (bpf_redirect ifindex)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pkt_ptr_in_helper_scalar_ok(void)
{
	asm volatile (
	"r1 = *(u32 *)(r1 + 0)\n"
	"r2 = 0\n"
	"call %[bpf_redirect]\n"
	"exit\n"
	:: __imm(bpf_redirect)
	: "memory");
}

char _license[] SEC("license") = "GPL";
