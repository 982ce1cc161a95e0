// helpers: bpf_trace_printk (GPL-only) from a proprietary program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int trace_printk_proprietary(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = 8\n"
	"call %[bpf_trace_printk]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_trace_printk)
	: "memory");
}

char _license[] SEC("license") = "Proprietary";
