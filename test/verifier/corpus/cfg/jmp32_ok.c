// cfg: 32-bit conditional jumps
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int jmp32_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"w2 = 7\n"
	"if w2 > 6 goto +1\n"
	"r0 = 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
