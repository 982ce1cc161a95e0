// stack: a read of never-written stack (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int read_uninit_ok(void)
{
	asm volatile (
	"r0 = *(u64 *)(r10 - 8)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
