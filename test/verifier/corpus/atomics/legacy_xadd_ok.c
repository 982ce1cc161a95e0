// atomics: the legacy BPF_XADD encoding (atomic add, imm 0) on the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int legacy_xadd_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = 1\n"
	".8byte %[xadd]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_insn(xadd, RAW(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_1, -8, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
