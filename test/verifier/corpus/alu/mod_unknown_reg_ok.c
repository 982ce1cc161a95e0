// alu: modulo by an unknown register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int mod_unknown_reg_ok(void)
{
	asm volatile (
	"r0 = 5\n"
	"r1 = *(u32 *)(r1 + 16)\n"
	".8byte %[mod]\n"
	"exit\n"
	:: __imm_insn(mod, RAW(BPF_ALU64 | BPF_MOD | BPF_X, 0, 1, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
