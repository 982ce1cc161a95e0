// helpers: bpf_redirect with numbers
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int redirect_ok(void)
{
	asm volatile (
	"r1 = 1\n"
	"r2 = 0\n"
	"call %[bpf_redirect]\n"
	"exit\n"
	:: __imm(bpf_redirect)
	: "memory");
}

char _license[] SEC("license") = "GPL";
