// regs: R3 is set on one path only
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int uninit_on_one_path(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"if r2 == 0 goto +1\n"
	"r3 = 1\n"
	"r0 = r3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
