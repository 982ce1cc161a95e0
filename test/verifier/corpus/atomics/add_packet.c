// atomics: an atomic add on packet data
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int add_packet(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 8\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r1 = 1\n"
	"lock *(u64 *)(r2 + 0) += r1\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
