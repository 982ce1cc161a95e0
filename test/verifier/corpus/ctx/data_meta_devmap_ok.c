// ctx: a 4-byte read of xdp_md.data_meta in an xdp/devmap program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp/devmap")
__naked int data_meta_devmap_ok(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 8)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
