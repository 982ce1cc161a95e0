// ptr: a packet pointer xored
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pkt_xor(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r2 ^= 1\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
