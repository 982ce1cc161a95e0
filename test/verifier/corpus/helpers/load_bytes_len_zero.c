// helpers: bpf_xdp_load_bytes with length 0 (the size must be positive)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int load_bytes_len_zero(void)
{
	asm volatile (
	"r2 = 0\n"
	"r3 = r10\n"
	"r3 += -8\n"
	"r4 = 0\n"
	"call %[bpf_xdp_load_bytes]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_xdp_load_bytes)
	: "memory");
}

char _license[] SEC("license") = "GPL";
