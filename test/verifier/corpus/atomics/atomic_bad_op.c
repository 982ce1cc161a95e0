// atomics: an atomic operation with the unknown code 0x99
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int atomic_bad_op(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = 1\n"
	".8byte %[bad]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_1, -8, 0x99))
	: "memory");
}

char _license[] SEC("license") = "GPL";
