// ctx: a 8-byte read of xdp_md.egress_ifindex (offset 20) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int egress_ifindex_size8(void)
{
	asm volatile (
	"r0 = *(u64 *)(r1 + 20)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
