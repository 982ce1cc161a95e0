// regs: R1 holds the context at entry
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int r1_ctx_ok(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 0)\n"
	"r0 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
