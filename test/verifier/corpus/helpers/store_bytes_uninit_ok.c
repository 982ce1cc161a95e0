// helpers: bpf_xdp_store_bytes from uninitialised stack (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int store_bytes_uninit_ok(void)
{
	asm volatile (
	"r2 = 0\n"
	"r3 = r10\n"
	"r3 += -8\n"
	"r4 = 8\n"
	"call %[bpf_xdp_store_bytes]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_xdp_store_bytes)
	: "memory");
}

char _license[] SEC("license") = "GPL";
