// packet: a pointer known past data_end is no state where one proven in range was
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pkt_beyond_end_not_pruned(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0)\n"
	"r7 = *(u32 *)(r1 + 4)\n"
	"call %[bpf_get_prandom_u32]\n"
	"r8 = r6\n"
	"r4 = 1\n"
	"if r0 > 5 goto p_%=\n"
	"if r8 <= r7 goto ok_%=\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"if r4 > 7 goto ok_%=\n"
	"r5 = 2\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"r5 = 1\n"
	"if r4 > 7 goto ok_%=\n"
"p_%=:"
	"if r4 > 8 goto ok_%=\n"
	"if r8 > r7 goto ok_%=\n"
	"r0 = *(u64 *)(r9 + 0)\n"
"ok_%=:"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}
char _license[] SEC("license") = "GPL";
