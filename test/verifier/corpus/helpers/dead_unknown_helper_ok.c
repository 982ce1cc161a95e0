// helpers: a call of a helper no XDP program may use, where no path goes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int dead_unknown_helper_ok(void)
{
	asm volatile (
	"r0 = 2\n"
	"if r0 == 2 goto l_%=\n"
	"call 999\n"
	"call 26\n"
	"l_%=: exit\n"
	::: "memory");
}

char _license[] SEC("license") = "GPL";
