// cfg: a goto with a source register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ja_reserved_src(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[bad]\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_JMP | BPF_JA, 0, 1, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
