// regs: reading R2, which XDP programs do not receive
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int r2_uninit_read(void)
{
	asm volatile (
	"r0 = r2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
