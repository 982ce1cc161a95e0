// alu: a sign-extending move with width 24
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int movsx_bad_width(void)
{
	asm volatile (
	"r1 = 0x80\n"
	".8byte %[movsx]\n"
	"exit\n"
	:: __imm_insn(movsx, RAW(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 24, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
