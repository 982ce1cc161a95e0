// cfg: an instruction naming register 11
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int register_11(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[bad]\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
