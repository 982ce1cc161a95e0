// alu: a byte swap (cpu v4)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int bswap_ok(void)
{
	asm volatile (
	"r0 = 0x12345678\n"
	".8byte %[bswap]\n"
	"exit\n"
	:: __imm_insn(bswap, RAW(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 32))
	: "memory");
}

char _license[] SEC("license") = "GPL";
