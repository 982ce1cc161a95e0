// callbacks: the same loop, the index checked against the buffer before each write
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ctx {
	__u64 i;
	__u8 buf[8];
};

static int step(__u32 index, struct ctx *c)
{
	if (c->i >= sizeof(c->buf))
		return 1;
	c->buf[c->i] = 1;
	c->i++;
	return 0;
}

SEC("xdp")
int c_bpf_loop_index_bounded_ok(struct xdp_md *xdp)
{
	struct ctx c = {};

	bpf_loop(16, step, &c, 0);
	return c.buf[0] ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
