// cfg: a program that is only an exit: R0 never written
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int exit_only(void)
{
	asm volatile (
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
