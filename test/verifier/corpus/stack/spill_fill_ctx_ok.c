// stack: the context spilled, filled and used as the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int spill_fill_ctx_ok(void)
{
	asm volatile (
	"*(u64 *)(r10 - 8) = r1\n"
	"r2 = *(u64 *)(r10 - 8)\n"
	"r0 = *(u32 *)(r2 + 16)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
