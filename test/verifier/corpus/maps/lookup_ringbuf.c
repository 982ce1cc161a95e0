// maps: bpf_map_lookup_elem on a ring buffer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
__naked int lookup_ringbuf(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[rb] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(rb), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
