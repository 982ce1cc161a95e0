// calls: a subprogram that calls itself
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int recursion(void)
{
	asm volatile (
	"call sub_recurse\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_recurse(void)
{
	asm volatile (
	"r0 = 0\n"
	"call sub_recurse\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
