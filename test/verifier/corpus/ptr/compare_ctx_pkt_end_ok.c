// ptr: the context compared with data_end (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int compare_ctx_pkt_end_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 4)\n"
	"r0 = 0\n"
	"if r1 > r2 goto +1\n"
	"r0 = 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
