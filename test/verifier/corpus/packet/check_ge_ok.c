// packet: the bounds check written as data + 14 >= data_end, off-by-one safe for 13 bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int check_ge_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 14\n"
	"r0 = 0\n"
	"if r4 >= r3 goto l_exit_%=\n"
	"r0 = *(u8 *)(r2 + 13)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
