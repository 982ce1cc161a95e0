/* SPDX-License-Identifier: MIT */
/*
 * xdp_oracle: runs an XDP object in the running kernel through
 * BPF_PROG_TEST_RUN and prints what the kernel answers, in the JSON-lines
 * format `xdpsim run --jsonl` prints, so the two can be diffed.
 *
 * An object is loaded by libbpf, or, when it carries legacy map definitions
 * that libbpf 1.x refuses, by a small iproute2-style loader. Either loader
 * leaves behind the same thing: a program fd and a table of maps, which is
 * all the rest of the harness works with.
 */
#ifndef XDP_ORACLE_H
#define XDP_ORACLE_H

#include <stdio.h>
#include <linux/types.h>

#define ORACLE_MAX_MAPS 64

struct oracle_map {
	char name[64];
	int fd;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
};

struct oracle_object {
	int prog_fd;
	int n_maps;
	struct oracle_map maps[ORACLE_MAX_MAPS];
	/* What the loader keeps alive (a bpf_object), and how it lets go. */
	void *owner;
	void (*release)(struct oracle_object *obj);
};

/* How the program to run is chosen; both NULL means "the only one". */
struct oracle_choice {
	const char *section;
	const char *program;
};

/* Loaders: 0 on success, -1 after printing the reason on stderr. */
int object_has_legacy_maps(const char *path, int *has_legacy);
int load_with_libbpf(const char *path, const struct oracle_choice *choice, struct oracle_object *obj);
int load_legacy(const char *path, const struct oracle_choice *choice, struct oracle_object *obj);

const struct oracle_map *find_map(const struct oracle_object *obj, const char *name);
int map_is_percpu(__u32 type);

/* Setup: map updates, from a file or from the command line. */
int apply_update(const struct oracle_object *obj, const char *map, const char *key_hex,
		 const char *value_hex);
int apply_setup_file(const struct oracle_object *obj, const char *path);

/* Runs every frame of the stream through the program, one line per frame. */
int run_frames(int prog_fd, FILE *frames, FILE *out);

/* Prints the final {"maps":...} line. */
int dump_maps(const struct oracle_object *obj, FILE *out);

/* Prints, for every helper id, whether the verifier lets XDP call it under LICENSE. */
int probe_helpers(const char *license);

/* Hex and JSON helpers. */
void put_hex(FILE *out, const void *buf, size_t len);
void put_json_string(FILE *out, const char *s);
/* Decodes exactly `len` bytes; -1 unless hex has exactly 2*len hex digits. */
int parse_hex(const char *hex, void *buf, size_t len);

#endif
