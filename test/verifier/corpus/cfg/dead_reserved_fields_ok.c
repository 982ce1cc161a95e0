// cfg: an instruction with reserved fields set where no path goes; the kernel
// checks fields only where its walk reaches, and replaces dead code
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int dead_reserved_fields_ok(void)
{
	asm volatile (
	"r0 = 2\n"
	"if r0 == 2 goto l_%=\n"
	".8byte %[bad]\n"
	"l_%=: exit\n"
	:: __imm_insn(bad, RAW(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 24))
	: "memory");
}

char _license[] SEC("license") = "GPL";
