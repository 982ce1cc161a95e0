// atomics: a load-acquire (BPF_LOAD_ACQ) from an initialised stack slot
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int load_acquire_stack_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	".8byte %[acq]\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_insn(acq, RAW(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_10, -8, 0x100))
	: "memory");
}

char _license[] SEC("license") = "GPL";
