// packet: a pointer past data_end, moved, is no longer known to be past it
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"
SEC("xdp")
__naked int pkt_beyond_end_moved(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0)\n"
	"r7 = *(u32 *)(r1 + 4)\n"
	"r9 = 0\n"
	"r8 = r6\n"
	"if r8 <= r7 goto ok_%=\n"
	"r8 += 1\n"
	"if r8 > r7 goto ok_%=\n"
	"r0 = *(u64 *)(r5 + 0)\n"
"ok_%=:"
	"r0 = 2\n"
	"exit\n"
	::: "memory");
}
char _license[] SEC("license") = "GPL";
