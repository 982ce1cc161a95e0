// alu: division by the constant 1
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int div_by_one_ok(void)
{
	asm volatile (
	"r0 = 5\n"
	"r0 /= 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
