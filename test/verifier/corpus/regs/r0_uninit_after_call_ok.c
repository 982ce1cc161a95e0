// regs: the helper result initialises R0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int r0_uninit_after_call_ok(void)
{
	asm volatile (
	"call %[bpf_get_prandom_u32]\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32)
	: "memory");
}

char _license[] SEC("license") = "GPL";
