// cfg: a helper call with a destination register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int call_reserved_dst(void)
{
	asm volatile (
	".8byte %[bad]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_insn(bad, RAW(BPF_JMP | BPF_CALL, 1, 0, 0, BPF_FUNC_ktime_get_ns))
	: "memory");
}

char _license[] SEC("license") = "GPL";
