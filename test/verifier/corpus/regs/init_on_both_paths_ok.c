// regs: R3 is set on both paths
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int init_on_both_paths_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"r3 = 2\n"
	"if r2 == 0 goto +1\n"
	"r3 = 1\n"
	"r0 = r3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
