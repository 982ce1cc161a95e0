// ctx: a 4-byte read at offset 2
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int misaligned_off2(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 2)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
