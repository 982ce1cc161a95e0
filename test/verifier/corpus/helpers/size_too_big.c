// helpers: bpf_csum_diff over 16 stack bytes with a size of up to 28
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int size_too_big(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 16)\n"
	"r6 &= 28\n"
	"r1 = r10\n"
	"r1 += -16\n"
	"r2 = r6\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"r5 = 0\n"
	"call %[bpf_csum_diff]\n"
	"exit\n"
	:: __imm(bpf_csum_diff)
	: "memory");
}

char _license[] SEC("license") = "GPL";
