// regs: returning a stack pointer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int return_stack_ptr(void)
{
	asm volatile (
	"r0 = r10\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
