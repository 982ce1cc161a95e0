// calls: a subprogram reading R3, which the caller never set
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int callee_reads_r3_unset(void)
{
	asm volatile (
	"call sub_reads_r3\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_reads_r3(void)
{
	asm volatile (
	"r0 = r3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
