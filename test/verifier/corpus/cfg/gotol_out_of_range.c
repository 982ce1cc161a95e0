// cfg: a long goto (cpu v4) past the end
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int gotol_out_of_range(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[gotol]\n"
	"exit\n"
	:: __imm_insn(gotol, RAW(BPF_JMP32 | BPF_JA, 0, 0, 0, 5))
	: "memory");
}

char _license[] SEC("license") = "GPL";
