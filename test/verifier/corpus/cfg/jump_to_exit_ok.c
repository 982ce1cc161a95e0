// cfg: a jump to the last instruction (borderline of jump_out_of_range)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int jump_to_exit_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r0 == 0 goto +0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
