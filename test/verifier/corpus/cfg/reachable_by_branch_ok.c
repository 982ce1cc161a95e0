// cfg: the same layout as unreachable_skipped, reached by a conditional jump
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int reachable_by_branch_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r1 == 0 goto +1\n"
	"r0 = 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
