// packet: data_end compared with data + 14 (data_end >= data + 14)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int check_reversed_operands_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 14\n"
	"r0 = 0\n"
	"if r3 < r4 goto l_exit_%=\n"
	"r0 = *(u16 *)(r2 + 12)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
