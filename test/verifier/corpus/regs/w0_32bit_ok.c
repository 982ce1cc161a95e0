// regs: a 32-bit write initialises R0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int w0_32bit_ok(void)
{
	asm volatile (
	"w0 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
