// SPDX-License-Identifier: GPL-2.0
// Benchmark workload (e): port forwarding through a device map. The ingress
// interface index is the key; the entry names the egress device. When there
// is no entry for the ingress port, bpf_redirect_map() returns the action in
// the low bits of its flags instead, so unmapped ports fall back to the stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_PORTS 64

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} egress_ports SEC(".maps");

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&egress_ports, ctx->ingress_ifindex, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
