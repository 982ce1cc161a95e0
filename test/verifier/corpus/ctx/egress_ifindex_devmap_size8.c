// ctx: an 8-byte read of xdp_md.egress_ifindex in an xdp/devmap program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp/devmap")
__naked int egress_ifindex_devmap_size8(void)
{
	asm volatile (
	"r0 = *(u64 *)(r1 + 20)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
