// callbacks: a bpf_loop callback writes buf[i] and increments i with no bound:
// the first call is in bounds, a later one is not (callbacks run any number of times)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ctx {
	__u64 i;
	__u8 buf[8];
};

static int step(__u32 index, struct ctx *c)
{
	c->buf[c->i] = 1;
	c->i++;
	return 0;
}

SEC("xdp")
int c_bpf_loop_index_grows(struct xdp_md *xdp)
{
	struct ctx c = {};

	bpf_loop(16, step, &c, 0);
	return c.buf[0] ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
