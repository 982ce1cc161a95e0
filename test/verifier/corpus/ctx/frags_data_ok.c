// ctx: a 4-byte read of xdp_md.data in an xdp.frags program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp.frags")
__naked int frags_data_ok(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 0)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
