// calls: 8 bytes in main and 504 in the callee: 512 bytes, but frames round up to 32
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int stack_rounding_too_large(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"call sub_stack504\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void sub_stack504(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u64 *)(r10 - 504) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
