// packet: data + 14 < data_end proves 15 bytes but 14 are read past? here 16 bytes read
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int check_strict_lt_one_short(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 14\n"
	"r0 = 0\n"
	"if r4 >= r3 goto l_exit_%=\n"
	"r0 = *(u16 *)(r2 + 14)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
