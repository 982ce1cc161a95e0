// ctx: a read through the context pointer moved by 4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int modified_ctx_read(void)
{
	asm volatile (
	"r1 += 4\n"
	"r0 = *(u32 *)(r1 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
