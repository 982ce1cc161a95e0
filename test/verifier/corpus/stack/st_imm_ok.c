// stack: a store of an immediate to the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int st_imm_ok(void)
{
	asm volatile (
	".8byte %[st]\n"
	"r0 = *(u64 *)(r10 - 8)\n"
	"exit\n"
	:: __imm_insn(st, RAW(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 42))
	: "memory");
}

char _license[] SEC("license") = "GPL";
