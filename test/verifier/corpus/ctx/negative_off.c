// ctx: a 4-byte read at offset -4
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int negative_off(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 - 4)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
