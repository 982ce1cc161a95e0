// packet: past data_end, moved back and checked again: the second check decides
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"
SEC("xdp")
__naked int pkt_beyond_end_moved_back_ok(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0)\n"
	"r7 = *(u32 *)(r1 + 4)\n"
	"r8 = r6\n"
	"r8 += 100\n"
	"if r8 <= r7 goto ok_%=\n"
	"r8 -= 100\n"
	"if r8 > r7 goto ok_%=\n"
	"r0 = 1\n"
	"exit\n"
"ok_%=:"
	"r0 = 2\n"
	"exit\n"
	::: "memory");
}
char _license[] SEC("license") = "GPL";
