// cfg: a legacy packet load (ld_abs), which XDP programs may not use
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int legacy_ld_abs(void)
{
	asm volatile (
	"r6 = r1\n"
	".8byte %[ldabs]\n"
	"exit\n"
	:: __imm_insn(ldabs, RAW(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 12))
	: "memory");
}

char _license[] SEC("license") = "GPL";
