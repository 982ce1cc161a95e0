// SPDX-License-Identifier: GPL-2.0
// State kept in plain global variables. libbpf turns .data (initialised
// globals) and .bss (zeroed ones) into one-entry array maps that both the
// program and user space can read and write. Here a writable quota in .data
// admits that many frames and drops the rest; .bss holds running totals.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 pass_quota = 3;

__u64 frames_seen;
__u64 bytes_seen;
__u32 frames_dropped;
__u32 last_frame_len;

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	__sync_fetch_and_add(&frames_seen, 1);
	__sync_fetch_and_add(&bytes_seen, len);
	last_frame_len = len;
	if (pass_quota == 0) {
		frames_dropped++;
		return XDP_DROP;
	}
	pass_quota--;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
