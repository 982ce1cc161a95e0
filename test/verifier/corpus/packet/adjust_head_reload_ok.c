// packet: packet pointers loaded again after bpf_xdp_adjust_head
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int adjust_head_reload_ok(void)
{
	asm volatile (
	"r6 = r1\n"
	"r2 = 0\n"
	"call %[bpf_xdp_adjust_head]\n"
	"r2 = *(u32 *)(r6 + 0)\n"
	"r3 = *(u32 *)(r6 + 4)\n"
	"r4 = r2\n"
	"r4 += 1\n"
	"r0 = 0\n"
	"if r4 > r3 goto +1\n"
	"r0 = *(u8 *)(r2 + 0)\n"
	"exit\n"
	:: __imm(bpf_xdp_adjust_head)
	: "memory");
}

char _license[] SEC("license") = "GPL";
