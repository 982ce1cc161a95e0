// ctx: a 8-byte read of xdp_md.data_meta (offset 8) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int data_meta_size8(void)
{
	asm volatile (
	"r0 = *(u64 *)(r1 + 8)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
