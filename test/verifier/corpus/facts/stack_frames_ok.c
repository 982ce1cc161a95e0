// facts: a pointer into the caller's stack on one path and the callee's own on another
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int stack_frames_ok(void)
{
	asm volatile (
	"r1 = 1\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"call sub\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}

__attribute__((used)) static __naked void sub(void)
{
	asm volatile (
	"r6 = r1\n"
	"r1 = 2\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"call %[bpf_get_prandom_u32]\n"
	"r1 = r6\n"
	"if r0 > 5 goto s1_%=\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"s1_%=:"
	"r0 = *(u64 *)(r1 + 0)\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}

char _license[] SEC("license") = "GPL";
