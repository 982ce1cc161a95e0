// alu: modulo by the constant 0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int mod_by_zero_imm(void)
{
	asm volatile (
	"r0 = 5\n"
	".8byte %[mod]\n"
	"exit\n"
	:: __imm_insn(mod, RAW(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
