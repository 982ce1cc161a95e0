// tailcalls: bpf_tail_call through a hash map
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
__naked int tail_call_hash(void)
{
	asm volatile (
	"r2 = %[hash] ll\n"
	"r3 = 0\n"
	"call %[bpf_tail_call]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_tail_call)
	: "memory");
}

char _license[] SEC("license") = "GPL";
