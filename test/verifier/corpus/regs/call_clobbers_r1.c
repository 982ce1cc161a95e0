// regs: a helper call leaves R1-R5 unreadable
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int call_clobbers_r1(void)
{
	asm volatile (
	"call %[bpf_ktime_get_ns]\n"
	"r0 = r1\n"
	"exit\n"
	:: __imm(bpf_ktime_get_ns)
	: "memory");
}

char _license[] SEC("license") = "GPL";
