// ctx: a moved context pointer passed to bpf_xdp_adjust_head
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ctx_arg_modified(void)
{
	asm volatile (
	"r1 += 8\n"
	"r2 = 0\n"
	"call %[bpf_xdp_adjust_head]\n"
	"exit\n"
	:: __imm(bpf_xdp_adjust_head)
	: "memory");
}

char _license[] SEC("license") = "GPL";
