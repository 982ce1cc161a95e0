// SPDX-License-Identifier: GPL-2.0
// Benchmark workload (a): the cheapest possible XDP program. It measures the
// fixed cost of running a program at all, nothing else.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
