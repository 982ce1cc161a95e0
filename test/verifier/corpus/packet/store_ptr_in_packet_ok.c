// packet: a pointer stored into the packet (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int store_ptr_in_packet_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 8\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"*(u64 *)(r2 + 0) = r1\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
