// ctx: a stack pointer passed where the context is expected
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ctx_arg_stack(void)
{
	asm volatile (
	"r1 = r10\n"
	"r1 += -8\n"
	"call %[bpf_xdp_get_buff_len]\n"
	"exit\n"
	:: __imm(bpf_xdp_get_buff_len)
	: "memory");
}

char _license[] SEC("license") = "GPL";
