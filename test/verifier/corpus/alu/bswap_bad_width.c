// alu: a byte swap of width 24
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int bswap_bad_width(void)
{
	asm volatile (
	"r0 = 0x12345678\n"
	".8byte %[bswap]\n"
	"exit\n"
	:: __imm_insn(bswap, RAW(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 24))
	: "memory");
}

char _license[] SEC("license") = "GPL";
