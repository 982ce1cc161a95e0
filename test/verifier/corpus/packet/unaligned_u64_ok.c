// packet: an 8-byte read at an odd offset (XDP allows unaligned packet access)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int unaligned_u64_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 9\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r0 = *(u64 *)(r2 + 1)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
