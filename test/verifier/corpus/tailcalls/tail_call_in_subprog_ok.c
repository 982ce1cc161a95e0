// tailcalls: bpf_tail_call from a subprogram with a small stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

SEC("xdp")
__naked int tail_call_in_subprog_ok(void)
{
	asm volatile (
	"call sub_tail\n"
	"r0 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked int sub_tail(void)
{
	asm volatile (
	"r2 = %[progs] ll\n"
	"r3 = 0\n"
	"call %[bpf_tail_call]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(progs), __imm(bpf_tail_call)
	: "memory");
}

char _license[] SEC("license") = "GPL";
