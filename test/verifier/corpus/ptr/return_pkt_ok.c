// ptr: a packet pointer returned (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int return_pkt_ok(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
