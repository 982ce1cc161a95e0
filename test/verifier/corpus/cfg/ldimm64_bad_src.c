// cfg: an lddw with an unknown pseudo source register (9)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ldimm64_bad_src(void)
{
	asm volatile (
	".8byte %[first]\n"
	".8byte %[second]\n"
	"exit\n"
	:: __imm_insn(first, RAW(BPF_LD | BPF_DW | BPF_IMM, 0, 9, 0, 1)), __imm_insn(second, RAW(0, 0, 0, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
