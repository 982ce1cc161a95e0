// maps: arithmetic on a map pointer
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
__naked int map_ptr_arith(void)
{
	asm volatile (
	"r1 = %[hash] ll\n"
	"r1 += 8\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(hash)
	: "memory");
}

char _license[] SEC("license") = "GPL";
