// ctx: a 2-byte read of xdp_md.ingress_ifindex (offset 12) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ingress_ifindex_size2(void)
{
	asm volatile (
	"r0 = *(u16 *)(r1 + 12)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
