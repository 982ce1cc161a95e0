// helpers: bpf_snprintf with its format on the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int snprintf_fmt_on_stack(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"*(u64 *)(r10 - 16) = r1\n"
	"r1 = r10\n"
	"r1 += -16\n"
	"r2 = 8\n"
	"r3 = r10\n"
	"r3 += -8\n"
	"r4 = 0\n"
	"r5 = 0\n"
	"call %[bpf_snprintf]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_snprintf)
	: "memory");
}

char _license[] SEC("license") = "GPL";
