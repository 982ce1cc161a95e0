// cfg: the last instruction may be a jump back to an exit
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int last_insn_goto_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"goto +1\n"
	"exit\n"
	"goto -2\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
