// helpers: bpf_ktime_get_ns (not GPL-only) from an MIT program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ktime_mit_ok(void)
{
	asm volatile (
	"call %[bpf_ktime_get_ns]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_ktime_get_ns)
	: "memory");
}

char _license[] SEC("license") = "MIT";
