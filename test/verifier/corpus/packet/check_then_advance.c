// packet: the pointer advanced past the proven range after the check
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int check_then_advance(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 4\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r2 += 4\n"
	"r0 = *(u8 *)(r2 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
