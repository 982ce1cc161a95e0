// helpers: bpf_csum_diff(NULL, 0, NULL, 0, 0)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int null_mem_size_zero_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"r2 = 0\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"r5 = 0\n"
	"call %[bpf_csum_diff]\n"
	"exit\n"
	:: __imm(bpf_csum_diff)
	: "memory");
}

char _license[] SEC("license") = "GPL";
