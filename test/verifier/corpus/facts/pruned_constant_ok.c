// facts: a scalar nothing checks is not compared when paths meet, so the path
// that sets r3 = 7 stops at the join where one with r3 = 5 was verified; the
// facts must not call r3 a constant there.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int pruned_constant_ok(void)
{
	asm volatile (
	"call %[bpf_get_prandom_u32]\n"
	"r6 = r0\n"
	"r1 = 0\n"
	"r2 = 0\n"
	"if r6 > 5 goto l1_%=\n"
	"r3 = 5\n"
	"if r6 > 9 goto l2_%=\n"
	"if r6 > 9 goto l2_%=\n"
	"if r6 > 9 goto l2_%=\n"
	"r1 += 1\n"
	"r2 += 1\n"
	"r1 += 1\n"
	"r2 += 1\n"
	"if r6 > 3 goto l2_%=\n"
	"r1 += 1\n"
	"goto l2_%=\n"
"l1_%=:"
	"r3 = 7\n"
"l2_%=:"
	"*(u32 *)(r10 - 4) = r3\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}

char _license[] SEC("license") = "GPL";
