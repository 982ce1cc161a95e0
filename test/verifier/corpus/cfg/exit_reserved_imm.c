// cfg: an exit with a non-zero immediate
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int exit_reserved_imm(void)
{
	asm volatile (
	"r0 = 0\n"
	".8byte %[bad]\n"
	:: __imm_insn(bad, RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 1))
	: "memory");
}

char _license[] SEC("license") = "GPL";
