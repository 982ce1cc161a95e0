// SPDX-License-Identifier: MIT
// Questions about a loaded object that do not depend on how it was loaded.
#include <string.h>
#include <linux/bpf.h>

#include "oracle.h"

const struct oracle_map *find_map(const struct oracle_object *obj, const char *name)
{
	int i;

	for (i = 0; i < obj->n_maps; i++) {
		if (strcmp(obj->maps[i].name, name) == 0)
			return &obj->maps[i];
	}
	return NULL;
}

int map_is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
