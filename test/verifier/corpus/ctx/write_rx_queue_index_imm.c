// ctx: a store of an immediate into xdp_md.rx_queue_index
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_rx_queue_index_imm(void)
{
	asm volatile (
	".8byte %[st]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_insn(st, RAW(BPF_ST | BPF_MEM | BPF_W, BPF_REG_1, 0, 16, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
