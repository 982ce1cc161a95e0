// SPDX-License-Identifier: MIT
// Command line of the kernel oracle; see oracle.h for what it is for.
//
//   xdp_oracle [--sec NAME | --program NAME] [--setup FILE]
//              [--update MAP KEY_HEX VALUE_HEX]... OBJECT FRAMES
//   xdp_oracle --probe
//   xdp_oracle --helpers LICENSE
//
// FRAMES is a file of (little-endian u32 length, bytes) records, or '-' for
// standard input. Output, on standard output, one JSON object per line:
//   {"i":N,"verdict":V,"len":L,"out":"<hex>"}  the kernel ran frame N
//   {"i":N,"err":"<reason>"}                    the kernel refused frame N
//   {"maps":{NAME:[[KEY_HEX,VALUE_HEX],...],...}}  after the last frame
// Exit status: 0 done, 1 the object or the setup failed (reason on standard
// error), 2 bad command line. --probe checks that this process may load and
// run an XDP program at all and prints "ok", or the reason it may not.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "oracle.h"

#define PROBE_FRAME_LEN 14

struct update {
	const char *map, *key, *value;
};

struct options {
	struct oracle_choice choice;
	const char *setup_file;
	const char *object;
	const char *frames;
	struct update updates[256];
	int n_updates;
	int probe;
};

static int usage(const char *why)
{
	fprintf(stderr, "xdp_oracle: %s\n"
		"usage: xdp_oracle [--sec NAME | --program NAME] [--setup FILE]\n"
		"                  [--update MAP KEY_HEX VALUE_HEX]... OBJECT FRAMES\n"
		"       xdp_oracle --probe\n"
		"       xdp_oracle --helpers LICENSE\n", why);
	return 2;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i, positional = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--probe") == 0) {
			o->probe = 1;
		} else if (strcmp(a, "--sec") == 0 && i + 1 < argc) {
			o->choice.section = argv[++i];
		} else if (strcmp(a, "--program") == 0 && i + 1 < argc) {
			o->choice.program = argv[++i];
		} else if (strcmp(a, "--setup") == 0 && i + 1 < argc) {
			o->setup_file = argv[++i];
		} else if (strcmp(a, "--update") == 0 && i + 3 < argc) {
			struct update *u;

			if (o->n_updates == (int)(sizeof(o->updates) / sizeof(o->updates[0])))
				return usage("too many --update; use --setup FILE");
			u = &o->updates[o->n_updates++];
			u->map = argv[++i];
			u->key = argv[++i];
			u->value = argv[++i];
		} else if (a[0] == '-' && a[1] == '-') {
			return usage("unknown option or missing argument");
		} else if (positional == 0) {
			o->object = a;
			positional++;
		} else if (positional == 1) {
			o->frames = a;
			positional++;
		} else {
			return usage("too many arguments");
		}
	}
	if (o->probe)
		return positional ? usage("--probe takes no object") : 0;
	if (positional != 2)
		return usage("OBJECT and FRAMES are required");
	if (o->choice.section && o->choice.program)
		return usage("--sec and --program exclude each other");
	return 0;
}

// Per-CPU map values of a test run land in the slot of the CPU it ran on;
// staying on CPU 0 makes that slot predictable.
static int pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "xdp_oracle: cannot pin to CPU 0: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

// Loads "r0 = XDP_PASS; exit" and runs it once.
static int probe(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char frame[PROBE_FRAME_LEN] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame), .repeat = 1);
	int fd, err;

	if (pin_to_cpu0())
		return 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_oracle", "GPL", insns, 2, NULL);
	if (fd < 0) {
		fprintf(stderr, "xdp_oracle: loading an XDP program failed: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_prog_test_run_opts(fd, &opts);
	close(fd);
	if (err) {
		fprintf(stderr, "xdp_oracle: BPF_PROG_TEST_RUN failed: %s\n", strerror(-err));
		return 1;
	}
	if (opts.retval != XDP_PASS) {
		fprintf(stderr, "xdp_oracle: the probe program returned %u, not %d\n", opts.retval, XDP_PASS);
		return 1;
	}
	puts("ok");
	return 0;
}

static int run(const struct options *o)
{
	struct oracle_object obj = { .prog_fd = -1 };
	FILE *frames = NULL;
	int legacy = 0, status = 1, i;

	if (pin_to_cpu0() || object_has_legacy_maps(o->object, &legacy))
		return 1;
	if (legacy ? load_legacy(o->object, &o->choice, &obj) : load_with_libbpf(o->object, &o->choice, &obj))
		goto out;
	if (o->setup_file && apply_setup_file(&obj, o->setup_file))
		goto out;
	for (i = 0; i < o->n_updates; i++) {
		if (apply_update(&obj, o->updates[i].map, o->updates[i].key, o->updates[i].value))
			goto out;
	}

	frames = strcmp(o->frames, "-") == 0 ? stdin : fopen(o->frames, "rb");
	if (!frames) {
		fprintf(stderr, "xdp_oracle: cannot open frames file %s: %s\n", o->frames, strerror(errno));
		goto out;
	}
	if (run_frames(obj.prog_fd, frames, stdout) || dump_maps(&obj, stdout))
		goto out;
	if (fflush(stdout)) {
		fprintf(stderr, "xdp_oracle: writing the output failed: %s\n", strerror(errno));
		goto out;
	}
	status = 0;
out:
	if (frames && frames != stdin)
		fclose(frames);
	if (obj.release)
		obj.release(&obj);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int err;

	if (argc == 3 && strcmp(argv[1], "--helpers") == 0)
		return probe_helpers(argv[2]);
	err = parse_args(argc, argv, &o);

	if (err)
		return err;
	return o.probe ? probe() : run(&o);
}
