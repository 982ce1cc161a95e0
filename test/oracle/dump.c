// SPDX-License-Identifier: MIT
// The final state of every map whose contents user space can read back as
// plain bytes: hashes, arrays (global data included), LPM tries and their
// per-CPU and LRU variants. Entries come in the kernel's get_next_key order,
// which means nothing for hashes; a comparing side sorts them.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "oracle.h"

static int dumpable(__u32 type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		return 1;
	default:
		return 0;
	}
}

static void put_value(FILE *out, const struct oracle_map *m, const unsigned char *value, int cpus)
{
	size_t stride = (m->value_size + 7) & ~(size_t)7;
	int c;

	if (!map_is_percpu(m->type)) {
		fputc('"', out);
		put_hex(out, value, m->value_size);
		fputc('"', out);
		return;
	}
	fputc('[', out);
	for (c = 0; c < cpus; c++) {
		fputs(c ? ",\"" : "\"", out);
		put_hex(out, value + c * stride, m->value_size);
		fputc('"', out);
	}
	fputc(']', out);
}

static int dump_map(const struct oracle_map *m, int cpus, FILE *out)
{
	size_t key_size = m->key_size ? m->key_size : 1;
	size_t value_len = ((m->value_size + 7) & ~(size_t)7) * (size_t)cpus;
	unsigned char *key = calloc(2, key_size), *value = calloc(1, value_len ? value_len : 1);
	unsigned char *next = key + key_size;
	const void *prev = NULL;
	int first = 1, err = -1;

	if (!key || !value)
		goto out;
	put_json_string(out, m->name);
	fputs(":[", out);
	while (bpf_map_get_next_key(m->fd, prev, next) == 0) {
		memcpy(key, next, m->key_size);
		prev = key;
		if (bpf_map_lookup_elem(m->fd, key, value)) {
			if (errno == ENOENT)
				continue; // deleted between the two calls
			break;
		}
		fputs(first ? "[\"" : ",[\"", out);
		first = 0;
		put_hex(out, key, m->key_size);
		fputs("\",", out);
		put_value(out, m, value, cpus);
		fputc(']', out);
	}
	if (errno != ENOENT) {
		fprintf(stderr, "xdp_oracle: reading map %s failed: %s\n", m->name, strerror(errno));
		goto out;
	}
	fputc(']', out);
	err = 0;
out:
	free(key);
	free(value);
	return err;
}

int dump_maps(const struct oracle_object *obj, FILE *out)
{
	int cpus = libbpf_num_possible_cpus();
	int i, first = 1;

	if (cpus <= 0) {
		fprintf(stderr, "xdp_oracle: cannot count the possible CPUs\n");
		return -1;
	}
	fputs("{\"maps\":{", out);
	for (i = 0; i < obj->n_maps; i++) {
		const struct oracle_map *m = &obj->maps[i];

		if (!dumpable(m->type))
			continue;
		if (!first)
			fputc(',', out);
		first = 0;
		if (dump_map(m, map_is_percpu(m->type) ? cpus : 1, out))
			return -1;
	}
	fputs("}}\n", out);
	return 0;
}
