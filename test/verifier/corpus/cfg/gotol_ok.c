// cfg: the long goto of cpu v4 (gotol +1)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int gotol_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[gotol]\n"
	"r0 = 1\n"
	"exit\n"
	:: __imm_insn(gotol, RAW(BPF_JMP32 | BPF_JA, 0, 0, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
