// cfg: a 64-bit immediate load
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ldimm64_ok(void)
{
	asm volatile (
	"r0 = 0x123456789 ll\n"
	"r0 >>= 32\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
