// ptr: a stack pointer in R6 survives a call and is dereferenced
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int stack_ptr_deref_after_call_ok(void)
{
	asm volatile (
	"r6 = r10\n"
	"r6 += -8\n"
	"r1 = 1\n"
	"*(u64 *)(r6 + 0) = r1\n"
	"call %[bpf_ktime_get_ns]\n"
	"r0 = *(u64 *)(r6 + 0)\n"
	"exit\n"
	:: __imm(bpf_ktime_get_ns)
	: "memory");
}

char _license[] SEC("license") = "GPL";
