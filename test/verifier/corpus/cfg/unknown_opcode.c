// cfg: opcode 0xff
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int unknown_opcode(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[bad]\n"
	"exit\n"
	:: __imm_insn(bad, RAW(0xff, 0, 0, 0, 0))
	: "memory");
}

char _license[] SEC("license") = "GPL";
