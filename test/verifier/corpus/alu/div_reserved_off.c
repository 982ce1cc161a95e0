// alu: an unsigned division with offset 2 (neither udiv nor sdiv)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int div_reserved_off(void)
{
	asm volatile (
	"r0 = 5\n"
	".8byte %[div]\n"
	"exit\n"
	:: __imm_insn(div, RAW(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 3))
	: "memory");
}

char _license[] SEC("license") = "GPL";
