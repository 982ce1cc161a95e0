// Test oracle: loads a BPF object with the system libbpf into the running
// kernel and prints, as JSON, what libbpf handed the kernel (each program's
// final instructions, with map fds replaced by map indexes) and what the
// kernel reports back for programs and maps. Used by test/elf to compare the
// TypeScript loader with the real one. Build: cc libbpf-dump.c -lbpf
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_MAPS 64

static int map_fds[MAX_MAPS];
static __u32 map_ids[MAX_MAPS];
static int nr_maps;

static int map_index_of_fd(int fd)
{
	for (int i = 0; i < nr_maps; i++)
		if (map_fds[i] == fd)
			return i;
	return -1;
}

static void print_hex(const void *p, size_t n)
{
	const unsigned char *b = p;
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('"');
}

static void print_insns(const struct bpf_insn *insns, size_t cnt)
{
	struct bpf_insn *copy = malloc(cnt * sizeof(*copy));
	memcpy(copy, insns, cnt * sizeof(*copy));
	for (size_t i = 0; i < cnt; i++) {
		if (copy[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (copy[i].src_reg == BPF_PSEUDO_MAP_FD || copy[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
			copy[i].src_reg = copy[i].src_reg == BPF_PSEUDO_MAP_FD ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_IDX_VALUE;
			copy[i].imm = map_index_of_fd(copy[i].imm);
		}
		i++;
	}
	print_hex(copy, cnt * sizeof(*copy));
	free(copy);
}

static void print_line_info(int prog_fd, const struct bpf_prog_info *base)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	__u32 n = base->nr_line_info;
	struct bpf_line_info *li = calloc(n ? n : 1, sizeof(*li));
	struct btf *btf = NULL;

	info.nr_line_info = n;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (__u64)(unsigned long)li;
	printf("\"lineInfo\":[");
	if (n && !bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		btf = btf__load_from_kernel_by_id(base->btf_id);
	for (__u32 i = 0; btf && i < n; i++) {
		printf("%s{\"insnIndex\":%u,\"line\":%u,\"column\":%u,\"file\":\"%s\"}", i ? "," : "",
		       li[i].insn_off, BPF_LINE_INFO_LINE_NUM(li[i].line_col), BPF_LINE_INFO_LINE_COL(li[i].line_col),
		       btf__name_by_offset(btf, li[i].file_name_off));
	}
	printf("]");
	btf__free(btf);
	free(li);
}

static void print_slots(int fd, const struct bpf_map_info *info, struct bpf_object *obj)
{
	int first = 1;

	printf(",\"slots\":[");
	for (__u32 k = 0; k < info->max_entries; k++) {
		struct bpf_program *p;
		__u32 id;

		if (bpf_map_lookup_elem(fd, &k, &id))
			continue;
		if (info->type != BPF_MAP_TYPE_PROG_ARRAY) {
			for (int i = 0; i < nr_maps; i++)
				if (map_ids[i] == id)
					printf("%s{\"index\":%u,\"kind\":\"map\",\"mapIndex\":%d}", first ? "" : ",", k, i);
			first = 0;
			continue;
		}
		bpf_object__for_each_program(p, obj) {
			struct bpf_prog_info pi = {};
			__u32 l = sizeof(pi);

			if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &pi, &l) && pi.id == id)
				printf("%s{\"index\":%u,\"kind\":\"prog\",\"programName\":\"%s\"}", first ? "" : ",", k,
				       bpf_program__name(p));
		}
		first = 0;
	}
	printf("]");
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err, first;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open failed\n");
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load failed: %d\n", err);
		return 1;
	}
	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		map_fds[nr_maps] = bpf_map__fd(map);
		bpf_obj_get_info_by_fd(map_fds[nr_maps], &info, &len);
		map_ids[nr_maps++] = info.id;
	}

	printf("{\"programs\":[");
	first = 1;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		bpf_obj_get_info_by_fd(fd, &info, &len);
		printf("%s{\"name\":\"%s\",\"section\":\"%s\",\"type\":%u,\"xlatedCount\":%u,\"insns\":",
		       first ? "" : ",", bpf_program__name(prog), bpf_program__section_name(prog), info.type,
		       info.xlated_prog_len / 8);
		print_insns(bpf_program__insns(prog), bpf_program__insn_cnt(prog));
		printf(",");
		print_line_info(fd, &info);
		printf("}");
		first = 0;
	}
	printf("],\"maps\":[");
	for (int i = 0; i < nr_maps; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		bpf_obj_get_info_by_fd(map_fds[i], &info, &len);
		printf("%s{\"name\":\"%s\",\"type\":%u,\"keySize\":%u,\"valueSize\":%u,\"maxEntries\":%u,"
		       "\"mapFlags\":%u,\"btfKeyTypeId\":%u,\"btfValueTypeId\":%u",
		       i ? "," : "", info.name, info.type, info.key_size, info.value_size, info.max_entries,
		       info.map_flags, info.btf_key_type_id, info.btf_value_type_id);
		if (info.type == BPF_MAP_TYPE_ARRAY && info.max_entries == 1 && info.name[0] && strchr(info.name, '.')) {
			__u32 k = 0;
			void *v = calloc(1, info.value_size);
			if (!bpf_map_lookup_elem(map_fds[i], &k, v)) {
				printf(",\"data\":");
				print_hex(v, info.value_size);
			}
			free(v);
		}
		if (info.type == BPF_MAP_TYPE_PROG_ARRAY || info.type == BPF_MAP_TYPE_HASH_OF_MAPS ||
		    info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
			print_slots(map_fds[i], &info, obj);
		printf("}");
	}
	printf("]}\n");
	bpf_object__close(obj);
	return 0;
}
