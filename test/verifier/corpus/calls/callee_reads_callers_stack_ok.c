// calls: a subprogram reading the caller's stack through R1
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int callee_reads_callers_stack_ok(void)
{
	asm volatile (
	"r1 = 7\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"call sub_read_arg\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_read_arg(void)
{
	asm volatile (
	"r0 = *(u64 *)(r1 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
