// ctx: the context passed to bpf_xdp_get_buff_len
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ctx_arg_ok(void)
{
	asm volatile (
	"call %[bpf_xdp_get_buff_len]\n"
	"exit\n"
	:: __imm(bpf_xdp_get_buff_len)
	: "memory");
}

char _license[] SEC("license") = "GPL";
