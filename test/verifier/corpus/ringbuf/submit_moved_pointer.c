// ringbuf: bpf_ringbuf_submit given the record pointer moved by 8
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
__naked int submit_moved_pointer(void)
{
	asm volatile (
	"r1 = %[rb] ll\n"
	"r2 = 16\n"
	"r3 = 0\n"
	"call %[bpf_ringbuf_reserve]\n"
	"if r0 == 0 goto l_exit_%=\n"
	"r1 = r0\n"
	"r1 += 8\n"
	"r2 = 0\n"
	"call %[bpf_ringbuf_submit]\n"
	"l_exit_%=:\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
	: "memory");
}

char _license[] SEC("license") = "GPL";
