// stack: bpf_probe_read_kernel fills 8 uninitialised stack bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int helper_writes_uninit_ok(void)
{
	asm volatile (
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = 8\n"
	"r3 = 0\n"
	"call %[bpf_probe_read_kernel]\n"
	"r0 = *(u64 *)(r10 - 8)\n"
	"exit\n"
	:: __imm(bpf_probe_read_kernel)
	: "memory");
}

char _license[] SEC("license") = "GPL";
