// ctx: a 4-byte read of xdp_md.egress_ifindex in an xdp/cpumap program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp/cpumap")
__naked int egress_ifindex_cpumap(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 20)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
