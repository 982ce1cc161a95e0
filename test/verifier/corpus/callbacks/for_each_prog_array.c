// callbacks: bpf_for_each_map_elem over a program array
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

__attribute__((used)) static __naked void cb_fe(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int for_each_prog_array(void)
{
	asm volatile (
	"r1 = %[progs] ll\n"
	"r2 = cb_fe ll\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_for_each_map_elem]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(progs), __imm(bpf_for_each_map_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
