// ringbuf: a reserved record pointer returned from the program
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
__naked int record_pointer_returned(void)
{
	asm volatile (
	"r1 = %[rb] ll\n"
	"r2 = 8\n"
	"r3 = 0\n"
	"call %[bpf_ringbuf_reserve]\n"
	"exit\n"
	:: __imm_addr(rb), __imm(bpf_ringbuf_reserve)
	: "memory");
}

char _license[] SEC("license") = "GPL";
