// ctx: a 4-byte store into xdp_md.data
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_data(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u32 *)(r1 + 0) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
