// stack: a read at fp+0, above the frame
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int read_at_fp(void)
{
	asm volatile (
	"r0 = *(u64 *)(r10 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
