// stack: bpf_probe_read_kernel told to write 16 bytes into fp-8
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int helper_reads_past_frame(void)
{
	asm volatile (
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = 16\n"
	"r3 = 0\n"
	"call %[bpf_probe_read_kernel]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_probe_read_kernel)
	: "memory");
}

char _license[] SEC("license") = "GPL";
