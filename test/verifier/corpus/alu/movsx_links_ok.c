// alu: a sign extension that extends nothing keeps the copy linked to its source
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64[2]); } arr SEC(".maps");
SEC("xdp")
__naked int movsx_links_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[arr] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == 0 goto out_%=\n"
	"r6 = r0\n"
	"call %[bpf_get_prandom_u32]\n"
	"r0 &= 0x3f\n"
	".8byte %[m1]\n"
	"if r1 > 8 goto out_%=\n"
	"r6 += r0\n"
	"r0 = *(u8 *)(r6 + 0)\n"
"out_%=:"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem), __imm_addr(arr), __imm_insn(m1, RAW(0xbf, 1, 0, 8, 0))
	: "memory");
}
char _license[] SEC("license") = "GPL";
