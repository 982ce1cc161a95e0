// cfg: the last instruction is not exit: the program falls off its end
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int fall_off_end(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r1 == 0 goto +1\n"
	"exit\n"
	"r0 = 1\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
