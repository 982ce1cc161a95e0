// mapflags: bpf_probe_read_kernel writing into a BPF_F_RDONLY_PROG map value
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

SEC("xdp")
__naked int rdonly_prog_helper_write(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[m] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r1 = r0\n"
	"r2 = 8\n"
	"r3 = 0\n"
	"call %[bpf_probe_read_kernel]\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_addr(m), __imm(bpf_map_lookup_elem), __imm(bpf_probe_read_kernel)
	: "memory");
}

char _license[] SEC("license") = "GPL";
