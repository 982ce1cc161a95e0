// callbacks: bpf_loop given the context as its callback
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int bpf_loop_ctx_callback(void)
{
	asm volatile (
	"r2 = r1\n"
	"r1 = 4\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
