// callbacks: bpf_loop with flags from the context (checked only at run time)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

__attribute__((used)) static __naked void cb_ret0b(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int bpf_loop_flags_nonconst_ok(void)
{
	asm volatile (
	"r4 = *(u32 *)(r1 + 16)\n"
	"r1 = 4\n"
	"r2 = cb_ret0b ll\n"
	"r3 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
