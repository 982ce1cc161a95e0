// packet: 14 bytes proven, the EtherType read at 12
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int eth_checked_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 14\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r0 = *(u16 *)(r2 + 12)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
