// callbacks: bpf_timer_set_callback given a number as its callback
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

SEC("xdp")
__naked int timer_callback_number(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[timers] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r1 = r0\n"
	"r2 = 0x1000\n"
	"call %[bpf_timer_set_callback]\n"
	"l_exit_%=:\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(timers), __imm(bpf_map_lookup_elem), __imm(bpf_timer_set_callback)
	: "memory");
}

char _license[] SEC("license") = "GPL";
