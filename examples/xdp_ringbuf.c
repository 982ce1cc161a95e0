// SPDX-License-Identifier: GPL-2.0
// Per-packet events to user space through a BPF ring buffer: each frame's
// length, ingress interface, EtherType and first bytes (copied with
// bpf_xdp_load_bytes). When the ring is full (nobody reads it) the
// reservation fails; the program then counts the lost event in .bss and lets
// the packet through anyway.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SNAP_BYTES 48

struct packet_event {
	__u32 len;
	__u32 ifindex;
	__u16 eth_proto;
	__u16 snap_len;
	__u8 snap[SNAP_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} events SEC(".maps");

__u64 events_lost;

SEC("xdp")
int xdp_ringbuf(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct packet_event *ev;
	__u32 len = data_end - data;
	__u32 snap_len;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&events_lost, 1);
		return XDP_PASS;
	}
	ev->len = len;
	ev->ifindex = ctx->ingress_ifindex;
	ev->eth_proto = bpf_ntohs(eth->h_proto);
	// Frames shorter than the snapshot contribute their Ethernet header only;
	// the helper wants a length the verifier can prove non-zero and in bounds.
	snap_len = len >= SNAP_BYTES ? SNAP_BYTES : ETH_HLEN;
	ev->snap_len = snap_len;
	__builtin_memset(ev->snap, 0, SNAP_BYTES);
	if (snap_len == SNAP_BYTES)
		bpf_xdp_load_bytes(ctx, 0, ev->snap, SNAP_BYTES);
	else
		bpf_xdp_load_bytes(ctx, 0, ev->snap, ETH_HLEN);
	bpf_ringbuf_submit(ev, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
