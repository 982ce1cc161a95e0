// ctx: a 4-byte read of xdp_md.rx_queue_index (offset 16) in an xdp program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int rx_queue_index_size4(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 16)\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
