// regs: XDP programs may return any scalar (here 7, no such action)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int return_any_scalar_ok(void)
{
	asm volatile (
	"r0 = 7\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
