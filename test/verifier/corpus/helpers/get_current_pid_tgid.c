// helpers: bpf_get_current_pid_tgid (not offered to XDP)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int get_current_pid_tgid(void)
{
	asm volatile (
	"call %[bpf_get_current_pid_tgid]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_get_current_pid_tgid)
	: "memory");
}

char _license[] SEC("license") = "GPL";
