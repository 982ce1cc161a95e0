// cfg: a mov with a non-zero offset field
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int mov_reserved_off(void)
{
	asm volatile (
	".8byte %[bad]\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 3, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
