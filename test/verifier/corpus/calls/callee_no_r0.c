// calls: a subprogram that exits without setting R0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int callee_no_r0(void)
{
	asm volatile (
	"call sub_no_r0\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_no_r0(void)
{
	asm volatile (
	"r1 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
