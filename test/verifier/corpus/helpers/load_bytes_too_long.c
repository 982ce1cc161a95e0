// helpers: bpf_xdp_load_bytes of 16 bytes into 8 stack bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int load_bytes_too_long(void)
{
	asm volatile (
	"r2 = 0\n"
	"r3 = r10\n"
	"r3 += -8\n"
	"r4 = 16\n"
	"call %[bpf_xdp_load_bytes]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_xdp_load_bytes)
	: "memory");
}

char _license[] SEC("license") = "GPL";
