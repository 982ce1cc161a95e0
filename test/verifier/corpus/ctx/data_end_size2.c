// ctx: a 2-byte read of xdp_md.data_end (offset 4) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int data_end_size2(void)
{
	asm volatile (
	"r0 = *(u16 *)(r1 + 4)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
