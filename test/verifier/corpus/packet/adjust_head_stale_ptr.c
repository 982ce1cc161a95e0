// packet: a packet pointer used after bpf_xdp_adjust_head
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int adjust_head_stale_ptr(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r6 = r2\n"
	"r4 = r2\n"
	"r4 += 1\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r2 = 0\n"
	"call %[bpf_xdp_adjust_head]\n"
	"r0 = *(u8 *)(r6 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm(bpf_xdp_adjust_head)
	: "memory");
}

char _license[] SEC("license") = "GPL";
