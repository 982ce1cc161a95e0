// alu: signed division (cpu v4) by -1
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int sdiv_by_minus_one_ok(void)
{
	asm volatile (
	"r0 = 5\n"
	".8byte %[sdiv]\n"
	"exit\n"
	:: __imm_insn(sdiv, RAW(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, -1))
	: "memory");
}

char _license[] SEC("license") = "GPL";
