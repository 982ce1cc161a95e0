// stack: a store at a variable stack offset within -16..-9 (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int var_off_write_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"r2 &= 7\n"
	"r3 = r10\n"
	"r3 += -16\n"
	"r3 += r2\n"
	"r0 = 0\n"
	"*(u8 *)(r3 + 0) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
