// cfg: code only a known-false branch reaches may read an uninitialised register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int dead_branch_uninit_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r0 == 0 goto +1\n"
	"r0 = r5\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
