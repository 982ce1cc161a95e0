// regs: XDP programs may return a negative number
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int return_negative_ok(void)
{
	asm volatile (
	"r0 = -1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
