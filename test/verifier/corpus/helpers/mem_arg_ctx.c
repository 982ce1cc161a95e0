// helpers: the context as bpf_csum_diff memory
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int mem_arg_ctx(void)
{
	asm volatile (
	"r2 = 4\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"r5 = 0\n"
	"call %[bpf_csum_diff]\n"
	"exit\n"
	:: __imm(bpf_csum_diff)
	: "memory");
}

char _license[] SEC("license") = "GPL";
