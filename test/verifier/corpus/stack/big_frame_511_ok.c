// stack: a 1-byte store at fp-511
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int big_frame_511_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u8 *)(r10 - 511) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
