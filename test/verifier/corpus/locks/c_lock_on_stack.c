// locks: bpf_spin_lock on a lock on the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_lock_on_stack(struct xdp_md *ctx)
{
	struct bpf_spin_lock l = {};

	bpf_spin_lock(&l);
	bpf_spin_unlock(&l);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
