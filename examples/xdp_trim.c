// SPDX-License-Identifier: GPL-2.0
// Packet sampling for a capture pipeline: keep only the first SNAP_LEN bytes
// of every frame, like tcpdump -s. The length counts the fragments of a
// multi-buffer frame too, and bpf_xdp_adjust_tail trims those first.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SNAP_LEN 128

SEC("xdp")
int xdp_trim(struct xdp_md *ctx)
{
	int len = bpf_xdp_get_buff_len(ctx);

	if (len <= SNAP_LEN)
		return XDP_PASS;
	if (bpf_xdp_adjust_tail(ctx, SNAP_LEN - len))
		return XDP_ABORTED;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
