// atomics: an atomic add on the stack leaves bytes nothing is known of
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"
SEC("xdp")
__naked int add_stack_unknown_ok(void)
{
	asm volatile (
	"r0 = 1\n"
	"*(u64 *)(r10 - 8) = r0\n"
	"lock *(u64 *)(r10 - 8) += r0\n"
	"r1 = *(u64 *)(r10 - 8)\n"
	"if r1 == 1 goto ok_%=\n"
	"r0 = 1\n"
	"exit\n"
"ok_%=:"
	"r0 = 2\n"
	"exit\n"
	::: "memory");
}
char _license[] SEC("license") = "GPL";
