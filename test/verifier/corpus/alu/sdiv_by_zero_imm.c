// alu: signed division (cpu v4) by the constant 0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int sdiv_by_zero_imm(void)
{
	asm volatile (
	"r0 = 5\n"
	".8byte %[sdiv]\n"
	"exit\n"
	:: __imm_insn(sdiv, RAW(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
