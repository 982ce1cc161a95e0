// stack: an 8-byte store at fp-4 runs past the frame
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_at_fp_minus_4_size_8(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u32 *)(r10 - 4) = r0\n"
	"*(u64 *)(r10 - 4) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
