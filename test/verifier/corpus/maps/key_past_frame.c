// maps: a 4-byte key at fp-2: it runs past the frame
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

SEC("xdp")
__naked int key_past_frame(void)
{
	asm volatile (
	"r2 = r10\n"
	"r2 += -2\n"
	"r1 = %[hash] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
