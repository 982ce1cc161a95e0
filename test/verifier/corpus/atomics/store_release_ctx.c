// atomics: a store-release (BPF_STORE_REL) into the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int store_release_ctx(void)
{
	asm volatile (
	"r2 = 0\n"
	".8byte %[rel]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_insn(rel, RAW(BPF_STX | BPF_ATOMIC | BPF_W, BPF_REG_1, BPF_REG_2, 16, 0x110))
	: "memory");
}

char _license[] SEC("license") = "GPL";
