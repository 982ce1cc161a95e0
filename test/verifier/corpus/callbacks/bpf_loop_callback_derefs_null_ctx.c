// callbacks: a bpf_loop callback reading its context argument, which the caller passed as NULL
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

__attribute__((used)) static __naked void cb_read_ctx(void)
{
	asm volatile (
	"r0 = *(u64 *)(r2 + 0)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int bpf_loop_callback_derefs_null_ctx(void)
{
	asm volatile (
	"r1 = 4\n"
	"r2 = cb_read_ctx ll\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
