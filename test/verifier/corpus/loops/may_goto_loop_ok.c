// loops: an endless loop broken by may_goto (cpu v4)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int may_goto_loop_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"l_loop_%=:\n"
	".8byte %[may_goto]\n"
	"r0 += 1\n"
	"goto l_loop_%=\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_insn(may_goto, RAW(BPF_JMP | 0xe0, 0, 0, 2, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
