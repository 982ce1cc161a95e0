// calls: a call to a static subprogram that returns 2
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int static_call_ok(void)
{
	asm volatile (
	"call sub_ret2\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_ret2(void)
{
	asm volatile (
	"r0 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
