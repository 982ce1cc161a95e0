// helpers: bpf_probe_read_kernel (GPL-only) from an MIT program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int probe_read_kernel_mit(void)
{
	asm volatile (
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = 8\n"
	"r3 = 0\n"
	"call %[bpf_probe_read_kernel]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_probe_read_kernel)
	: "memory");
}

char _license[] SEC("license") = "MIT";
