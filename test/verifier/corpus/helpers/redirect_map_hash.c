// helpers: bpf_redirect_map on a hash map
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
__naked int redirect_map_hash(void)
{
	asm volatile (
	"r1 = %[hash] ll\n"
	"r2 = 0\n"
	"r3 = 0\n"
	"call %[bpf_redirect_map]\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_redirect_map)
	: "memory");
}

char _license[] SEC("license") = "GPL";
