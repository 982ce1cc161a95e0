// alu: a 64-bit shift by 63
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int shift_by_63_ok(void)
{
	asm volatile (
	"r0 = 1\n"
	"r0 <<= 63\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
