// maps: a map pointer returned from the program (root may)
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
__naked int map_ptr_returned_ok(void)
{
	asm volatile (
	"r0 = %[hash] ll\n"
	"exit\n"
	:: __imm_addr(hash)
	: "memory");
}

char _license[] SEC("license") = "GPL";
