// ctx: a 4-byte read at offset 24, past struct xdp_md
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int past_end(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 24)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
