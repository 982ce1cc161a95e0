// helpers: bpf_redirect_map on a devmap
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

SEC("xdp")
__naked int redirect_map_devmap_ok(void)
{
	asm volatile (
	"r1 = %[devs] ll\n"
	"r2 = 0\n"
	"r3 = 0\n"
	"call %[bpf_redirect_map]\n"
	"exit\n"
	:: __imm_addr(devs), __imm(bpf_redirect_map)
	: "memory");
}

char _license[] SEC("license") = "GPL";
