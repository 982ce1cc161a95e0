// mapflags: a read of a BPF_F_WRONLY map value (write-only for user space, not the program)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_WRONLY);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

SEC("xdp")
__naked int wronly_user_read_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[m] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r0 = *(u64 *)(r0 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: __imm_addr(m), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
