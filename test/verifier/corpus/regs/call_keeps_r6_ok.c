// regs: R6-R9 keep their values across a helper call
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int call_keeps_r6_ok(void)
{
	asm volatile (
	"r6 = 2\n"
	"call %[bpf_ktime_get_ns]\n"
	"r0 = r6\n"
	"exit\n"
	:: __imm(bpf_ktime_get_ns)
	: "memory");
}

char _license[] SEC("license") = "GPL";
