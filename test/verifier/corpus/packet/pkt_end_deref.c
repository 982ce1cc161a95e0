// packet: a read through data_end
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pkt_end_deref(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r0 = *(u8 *)(r3 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
