// meta: bpf_xdp_adjust_meta(-4), reload, check, read
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int meta_adjust_then_read_ok(void)
{
	asm volatile (
	"r6 = r1\n"
	"r2 = -4\n"
	"call %[bpf_xdp_adjust_meta]\n"
	"r2 = *(u32 *)(r6 + 8)\n"
	"r3 = *(u32 *)(r6 + 0)\n"
	"r4 = r2\n"
	"r4 += 4\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r0 = *(u32 *)(r2 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm(bpf_xdp_adjust_meta)
	: "memory");
}

char _license[] SEC("license") = "GPL";
