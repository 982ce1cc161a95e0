// helpers: a call to helper id 0 (unspec)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int helper_id_zero(void)
{
	asm volatile (
	"call 0\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
