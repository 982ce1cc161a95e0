// tailcalls: bpf_tail_call with a stack pointer as the context
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
__naked int tail_call_not_ctx(void)
{
	asm volatile (
	"r1 = r10\n"
	"r1 += -8\n"
	"r2 = %[progs] ll\n"
	"r3 = 0\n"
	"call %[bpf_tail_call]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(progs), __imm(bpf_tail_call)
	: "memory");
}

char _license[] SEC("license") = "GPL";
