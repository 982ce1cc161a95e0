// atomics: an atomic fetch-and-add on a map value
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
__naked int fetch_add_map_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[hash] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r1 = 1\n"
	".8byte %[fetch_add]\n"
	"r0 = r1\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_map_lookup_elem), __imm_insn(fetch_add, RAW(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD | BPF_FETCH))
	: "memory");
}

char _license[] SEC("license") = "GPL";
