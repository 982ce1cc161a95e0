// cfg: a legacy packet load in XDP without the context in r6
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ld_abs_no_r6(void)
{
	asm volatile (
	".8byte %[ldabs]\n"
	"exit\n"
	:: __imm_insn(ldabs, RAW(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 12))
	: "memory");
}

char _license[] SEC("license") = "GPL";
