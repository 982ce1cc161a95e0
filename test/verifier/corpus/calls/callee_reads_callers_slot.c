// calls: a callee reads a caller's slot through a pointer: states differing there are not pruned
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int callee_reads_callers_slot(void)
{
	asm volatile (
	"call %[bpf_get_prandom_u32]\n"
	"r6 = r0\n"
	"r1 = 100\n"
	"if r6 > 5 goto l1_%=\n"
	"r1 = 0\n"
"l1_%=:"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = r6\n"
	"call sub\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}

__attribute__((used)) static __naked void sub(void)
{
	asm volatile (
	"r3 = 0\n"
	"if r2 > 3 goto s1_%=\n"
	"r3 += 1\n"
	"s1_%=:"
	"if r2 > 4 goto s2_%=\n"
	"r3 += 1\n"
	"s2_%=:"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"r4 = 1\n"
	"if r2 > 6 goto s3_%=\n"
	"r4 = 2\n"
	"s3_%=:"
	"r5 = *(u64 *)(r1 + 0)\n"
	"if r5 == 0 goto s4_%=\n"
	"r0 = *(u64 *)(r9 + 0)\n"
	"s4_%=:"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
