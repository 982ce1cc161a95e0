// calls: 288 bytes in main and 256 in the callee: 544 together
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int stack_combined_too_large(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 288) = r1\n"
	"call sub_stack256b\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_stack256b(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u64 *)(r10 - 256) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
