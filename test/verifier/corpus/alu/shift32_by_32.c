// alu: a 32-bit shift by 32
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int shift32_by_32(void)
{
	asm volatile (
	"w0 = 1\n"
	"w0 >>= 32\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
