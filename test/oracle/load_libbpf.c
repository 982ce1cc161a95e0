// SPDX-License-Identifier: MIT
// Loads an object the way libbpf-based tools do (bpftool, xdp-loader): every
// program and map of the object, with BTF, global data and program-array
// initialisers, then hands out the fd of the chosen program.
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "oracle.h"

static int matches(struct bpf_program *prog, const struct oracle_choice *choice)
{
	if (choice->program)
		return strcmp(bpf_program__name(prog), choice->program) == 0;
	if (choice->section)
		return strcmp(bpf_program__section_name(prog), choice->section) == 0;
	return 1;
}

static struct bpf_program *choose(struct bpf_object *bo, const struct oracle_choice *choice)
{
	struct bpf_program *prog, *chosen = NULL;
	int n = 0;

	bpf_object__for_each_program(prog, bo) {
		if (!matches(prog, choice))
			continue;
		if (n++ == 0)
			chosen = prog;
	}
	if (n == 1)
		return chosen;
	if (n == 0 && choice->program)
		fprintf(stderr, "xdp_oracle: the object has no program named '%s'\n", choice->program);
	else if (n == 0 && choice->section)
		fprintf(stderr, "xdp_oracle: the object has no program in section '%s'\n", choice->section);
	else if (n == 0)
		fprintf(stderr, "xdp_oracle: the object has no program\n");
	else
		fprintf(stderr, "xdp_oracle: %d programs match; choose one with --program (%s)\n", n,
			choice->section ? "the section is shared" : "the object has several");
	return NULL;
}

// libbpf reports its own error codes (from 4000 up) besides errno values.
static const char *why(int err)
{
	static char buf[256];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}

static void release(struct oracle_object *obj)
{
	bpf_object__close(obj->owner);
}

int load_with_libbpf(const char *path, const struct oracle_choice *choice, struct oracle_object *obj)
{
	struct bpf_object *bo;
	struct bpf_program *prog, *chosen;
	struct bpf_map *map;
	int err;

	bo = bpf_object__open_file(path, NULL);
	if (!bo) {
		fprintf(stderr, "xdp_oracle: cannot open %s: %s\n", path, why(errno));
		return -1;
	}
	obj->owner = bo;
	obj->release = release;
	chosen = choose(bo, choice);
	if (!chosen)
		return -1;
	// Like iproute2, treat programs in sections libbpf does not know as XDP.
	bpf_object__for_each_program(prog, bo) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC)
			bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
	}
	err = bpf_object__load(bo);
	if (err) {
		fprintf(stderr, "xdp_oracle: loading %s failed: %s\n", path, why(-err));
		return -1;
	}
	obj->prog_fd = bpf_program__fd(chosen);

	bpf_object__for_each_map(map, bo) {
		struct oracle_map *m;

		if (obj->n_maps == ORACLE_MAX_MAPS) {
			fprintf(stderr, "xdp_oracle: more than %d maps\n", ORACLE_MAX_MAPS);
			return -1;
		}
		m = &obj->maps[obj->n_maps++];
		snprintf(m->name, sizeof(m->name), "%s", bpf_map__name(map));
		m->fd = bpf_map__fd(map);
		m->type = bpf_map__type(map);
		m->key_size = bpf_map__key_size(map);
		m->value_size = bpf_map__value_size(map);
		m->max_entries = bpf_map__max_entries(map);
	}
	return 0;
}
