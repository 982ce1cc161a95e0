// ctx: a 1-byte read of xdp_md.data (offset 0) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int data_size1(void)
{
	asm volatile (
	"r0 = *(u8 *)(r1 + 0)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
