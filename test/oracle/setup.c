// SPDX-License-Identifier: MIT
// Map contents a test needs before the first frame: deny rules, backends,
// device-map ports. One update is "MAP KEY_HEX VALUE_HEX"; a setup file
// holds one per line, with blank lines and '#' comments allowed. A value for
// a per-CPU map is given once and stored for every CPU.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "oracle.h"

#define SETUP_LINE_MAX 65536

int apply_update(const struct oracle_object *obj, const char *map, const char *key_hex,
		 const char *value_hex)
{
	const struct oracle_map *m = find_map(obj, map);
	unsigned char *key = NULL, *value = NULL;
	size_t stride, copies = 1, i;
	int err = -1;

	if (!m) {
		fprintf(stderr, "xdp_oracle: setup: the object has no map named '%s'; it has:", map);
		for (i = 0; i < (size_t)obj->n_maps; i++)
			fprintf(stderr, " %s", obj->maps[i].name);
		fputc('\n', stderr);
		return -1;
	}
	stride = m->value_size;
	if (map_is_percpu(m->type)) {
		int cpus = libbpf_num_possible_cpus();

		if (cpus <= 0) {
			fprintf(stderr, "xdp_oracle: cannot count the possible CPUs\n");
			return -1;
		}
		copies = (size_t)cpus;
		stride = (m->value_size + 7) & ~(size_t)7;
	}
	key = calloc(1, m->key_size ? m->key_size : 1);
	value = calloc(copies, stride ? stride : 1);
	if (!key || !value) {
		fprintf(stderr, "xdp_oracle: setup: out of memory\n");
		goto out;
	}
	if (parse_hex(key_hex, key, m->key_size)) {
		fprintf(stderr, "xdp_oracle: setup: a key of %s is %u bytes (%u hex digits), not '%s'\n", map,
			m->key_size, 2 * m->key_size, key_hex);
		goto out;
	}
	if (parse_hex(value_hex, value, m->value_size)) {
		fprintf(stderr, "xdp_oracle: setup: a value of %s is %u bytes (%u hex digits), not '%s'\n", map,
			m->value_size, 2 * m->value_size, value_hex);
		goto out;
	}
	for (i = 1; i < copies; i++)
		memcpy(value + i * stride, value, m->value_size);
	if (bpf_map_update_elem(m->fd, key, value, BPF_ANY)) {
		fprintf(stderr, "xdp_oracle: setup: updating %s failed: %s\n", map, strerror(errno));
		goto out;
	}
	err = 0;
out:
	free(key);
	free(value);
	return err;
}

int apply_setup_file(const struct oracle_object *obj, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line;
	unsigned int lineno = 0;
	int err = 0;

	if (!f) {
		fprintf(stderr, "xdp_oracle: cannot open setup file %s: %s\n", path, strerror(errno));
		return -1;
	}
	line = malloc(SETUP_LINE_MAX);
	if (!line) {
		fclose(f);
		return -1;
	}
	while (!err && fgets(line, SETUP_LINE_MAX, f)) {
		char *save = NULL, *fields[4];
		char *hash = strchr(line, '#');
		int n = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "xdp_oracle: %s:%u: line longer than %d bytes\n", path, lineno,
				SETUP_LINE_MAX - 1);
			err = -1;
			break;
		}
		if (hash)
			*hash = '\0';
		for (char *tok = strtok_r(line, " \t\r\n", &save); tok && n < 4;
		     tok = strtok_r(NULL, " \t\r\n", &save))
			fields[n++] = tok;
		if (n == 0)
			continue;
		if (n != 3) {
			fprintf(stderr, "xdp_oracle: %s:%u: expected MAP KEY_HEX VALUE_HEX\n", path, lineno);
			err = -1;
			break;
		}
		err = apply_update(obj, fields[0], fields[1], fields[2]);
	}
	free(line);
	fclose(f);
	return err;
}
