// ringbuf: bpf_ringbuf_reserve on an array map
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

SEC("xdp")
__naked int reserve_array_map(void)
{
	asm volatile (
	"r1 = %[array] ll\n"
	"r2 = 8\n"
	"r3 = 0\n"
	"call %[bpf_ringbuf_reserve]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r1 = r0\n"
	"r2 = 0\n"
	"call %[bpf_ringbuf_discard]\n"
	"l_exit_%=:\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(array), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_discard)
	: "memory");
}

char _license[] SEC("license") = "GPL";
