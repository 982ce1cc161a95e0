// SPDX-License-Identifier: MIT
// Feeds frames to BPF_PROG_TEST_RUN one at a time and prints the kernel's
// answer for each. Input: repeated (little-endian u32 length, bytes).
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "oracle.h"

// Far above what the kernel takes (about 73 KB with all fragments), so that
// every size the kernel refuses still reaches it; beyond this the harness
// itself declines, without allocating.
#define FRAME_LIMIT (1u << 20)
// Room for the largest data_out the kernel can produce: linear part,
// metadata and 17 fragments of a page.
#define DATA_OUT_SIZE (80u * 1024)

static unsigned char frame[FRAME_LIMIT];
static unsigned char data_out[DATA_OUT_SIZE];

// 1 after a whole length header, 0 at a clean end of input, -1 otherwise.
static int read_length(FILE *in, unsigned int index, __u32 *len)
{
	unsigned char b[4];
	size_t got = fread(b, 1, sizeof(b), in);

	if (got == 0 && feof(in))
		return 0;
	if (got != sizeof(b)) {
		fprintf(stderr, "xdp_oracle: frames: frame %u: the length header is cut short\n", index);
		return -1;
	}
	*len = (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;
	return 1;
}

static int read_body(FILE *in, unsigned int index, __u32 len)
{
	__u32 left = len;

	// An oversized body is read through the buffer and discarded.
	while (left) {
		size_t chunk = left < FRAME_LIMIT ? left : FRAME_LIMIT;

		if (fread(frame, 1, chunk, in) != chunk) {
			fprintf(stderr, "xdp_oracle: frames: frame %u: the header says %u bytes, fewer follow\n",
				index, len);
			return -1;
		}
		left -= (__u32)chunk;
	}
	return 0;
}

int run_frames(int prog_fd, FILE *in, FILE *out)
{
	unsigned int i;
	__u32 len;
	int more;

	for (i = 0; (more = read_length(in, i, &len)) > 0; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int err;

		if (read_body(in, i, len))
			return -1;
		if (len > FRAME_LIMIT) {
			fprintf(out, "{\"i\":%u,\"err\":\"frame of %u bytes is over the harness limit of %u\"}\n",
				i, len, FRAME_LIMIT);
			continue;
		}
		opts.data_in = len ? frame : NULL;
		opts.data_size_in = len;
		opts.data_out = data_out;
		opts.data_size_out = DATA_OUT_SIZE;
		opts.repeat = 1;
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err) {
			fprintf(out, "{\"i\":%u,\"err\":", i);
			put_json_string(out, strerror(-err));
			fputs("}\n", out);
			continue;
		}
		fprintf(out, "{\"i\":%u,\"verdict\":%u,\"len\":%u,\"out\":\"", i, opts.retval, opts.data_size_out);
		put_hex(out, data_out, opts.data_size_out);
		fputs("\"}\n", out);
	}
	return more;
}
