// atomics: an atomic add of 1 byte (BPF_ATOMIC | BPF_B)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int atomic_8bit(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = 1\n"
	".8byte %[bad]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_STX | BPF_ATOMIC | BPF_B, BPF_REG_10, BPF_REG_1, -8, BPF_ADD))
	: "memory");
}

char _license[] SEC("license") = "GPL";
