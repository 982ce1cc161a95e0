// helpers: bpf_probe_read_kernel with a size that may be negative
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int size_negative(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"r2 <<= 32\n"
	"r2 s>>= 32\n"
	"if r2 s> 8 goto l_exit_%=\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"r3 = 0\n"
	"call %[bpf_probe_read_kernel]\n"
	"l_exit_%=:\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_probe_read_kernel)
	: "memory");
}

char _license[] SEC("license") = "GPL";
