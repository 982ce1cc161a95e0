// helpers: bpf_fib_lookup with a 16-byte params buffer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int fib_lookup_size_short(void)
{
	asm volatile (
	"r2 = r10\n"
	"r2 += -16\n"
	"r3 = 16\n"
	"r4 = 0\n"
	"call %[bpf_fib_lookup]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_fib_lookup)
	: "memory");
}

char _license[] SEC("license") = "GPL";
