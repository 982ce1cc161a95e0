// mapflags: a BPF_F_WRONLY_PROG map value used as a lookup key (the helper reads it)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_WRONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

SEC("xdp")
__naked int wronly_prog_as_key(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[m] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r2 = r0\n"
	"r1 = %[m] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_addr(m), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
