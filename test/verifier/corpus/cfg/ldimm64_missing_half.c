// cfg: an lddw whose second half is missing: the program ends after its first half
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ldimm64_missing_half(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[half]\n"
	:: __imm_insn(half, RAW(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1))
	: "memory");
}

char _license[] SEC("license") = "GPL";
