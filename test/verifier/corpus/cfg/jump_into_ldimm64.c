// cfg: a jump into the second half of an lddw
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int jump_into_ldimm64(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r1 == 0 goto +1\n"
	"r0 = 0x123456789 ll\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
