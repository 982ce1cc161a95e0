// alu: a packet pointer minus a packet pointer is a scalar
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pkt_minus_pkt_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 0)\n"
	"r3 -= r2\n"
	"r0 = r3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
