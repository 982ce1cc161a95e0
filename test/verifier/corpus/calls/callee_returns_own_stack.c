// calls: a subprogram returning a pointer to its own stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int callee_returns_own_stack(void)
{
	asm volatile (
	"call sub_ret_fp\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_ret_fp(void)
{
	asm volatile (
	"r0 = r10\n"
	"r0 += -8\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
