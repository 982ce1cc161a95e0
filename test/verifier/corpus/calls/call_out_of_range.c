// calls: a bpf-to-bpf call past the end of the program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int call_out_of_range(void)
{
	asm volatile (
	".8byte %[bad]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 10))
	: "memory");
}

char _license[] SEC("license") = "GPL";
