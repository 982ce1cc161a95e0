// SPDX-License-Identifier: MIT
// A loader for objects in the pre-BTF iproute2 style, which libbpf 1.x
// refuses to open: map definitions are structs in a section named "maps"
// (one symbol per map, all of the same size), and a program is a whole
// executable section loaded as one unit, its map references patched through
// the section's relocations. Only what such objects use is supported; any
// other construct (pinning, map-in-map, calls into .text, global data) is
// refused with a message rather than approximated.
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "oracle.h"

#define LEGACY_MAPS_SECTION "maps"
#define LICENSE_SECTION "license"
#define VERIFIER_LOG_SIZE (16u << 20)

// The fields of iproute2's struct bpf_elf_map; objects may stop after flags.
enum map_def_field { DEF_TYPE, DEF_KEY_SIZE, DEF_VALUE_SIZE, DEF_MAX_ENTRIES, DEF_FLAGS, DEF_MIN_FIELDS };

struct elf_file {
	int fd;
	Elf *elf;
	size_t shstrndx;
	Elf_Scn *symtab;
	size_t symtab_link;
};

// Where each map's definition sits in the maps section, indexed like
// oracle_object.maps.
struct legacy_map {
	GElf_Addr offset;
};

static const char *section_name(const struct elf_file *f, Elf_Scn *scn)
{
	GElf_Shdr sh;

	const char *name;

	if (!gelf_getshdr(scn, &sh))
		return "";
	name = elf_strptr(f->elf, f->shstrndx, sh.sh_name);
	return name ? name : "";
}

static const char *symbol_name(const struct elf_file *f, const GElf_Sym *sym)
{
	const char *name = elf_strptr(f->elf, f->symtab_link, sym->st_name);

	return name ? name : "";
}

static Elf_Scn *find_section(const struct elf_file *f, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(f->elf, scn))) {
		if (strcmp(section_name(f, scn), name) == 0)
			return scn;
	}
	return NULL;
}

static int open_elf(const char *path, struct elf_file *f)
{
	Elf_Scn *scn = NULL;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	f->fd = open(path, O_RDONLY);
	if (f->fd < 0) {
		fprintf(stderr, "xdp_oracle: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || gelf_getclass(f->elf) != ELFCLASS64 ||
	    elf_getshdrstrndx(f->elf, &f->shstrndx)) {
		fprintf(stderr, "xdp_oracle: %s is not a 64-bit ELF object\n", path);
		return -1;
	}
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			f->symtab = scn;
			f->symtab_link = sh.sh_link;
		}
	}
	return 0;
}

static void close_elf(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
}

int object_has_legacy_maps(const char *path, int *has_legacy)
{
	struct elf_file f;
	Elf_Scn *maps;
	int err = open_elf(path, &f);

	if (!err) {
		maps = find_section(&f, LEGACY_MAPS_SECTION);
		*has_legacy = maps != NULL;
	}
	close_elf(&f);
	return err;
}

static Elf_Data *section_data(Elf_Scn *scn)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	return d && d->d_buf ? d : NULL;
}

static size_t symbol_count(const struct elf_file *f)
{
	GElf_Shdr sh;

	if (!f->symtab || !gelf_getshdr(f->symtab, &sh) || !sh.sh_entsize)
		return 0;
	return sh.sh_size / sh.sh_entsize;
}

static int create_maps(const struct elf_file *f, struct oracle_object *obj, struct legacy_map *lm)
{
	Elf_Scn *scn = find_section(f, LEGACY_MAPS_SECTION);
	Elf_Data *syms = f->symtab ? section_data(f->symtab) : NULL;
	Elf_Data *defs = scn ? section_data(scn) : NULL;
	size_t i, n_syms = symbol_count(f), def_size;
	size_t maps_idx = scn ? elf_ndxscn(scn) : 0;
	int n = 0;

	if (!defs || !syms) {
		fprintf(stderr, "xdp_oracle: the maps section or the symbol table is empty\n");
		return -1;
	}
	for (i = 0; i < n_syms; i++) {
		GElf_Sym sym;

		if (gelf_getsym(syms, (int)i, &sym) && sym.st_shndx == maps_idx &&
		    GELF_ST_TYPE(sym.st_info) != STT_SECTION) {
			if (n == ORACLE_MAX_MAPS) {
				fprintf(stderr, "xdp_oracle: more than %d maps\n", ORACLE_MAX_MAPS);
				return -1;
			}
			lm[n].offset = sym.st_value;
			snprintf(obj->maps[n].name, sizeof(obj->maps[n].name), "%s",
				 symbol_name(f, &sym));
			n++;
		}
	}
	if (n == 0 || defs->d_size % n) {
		fprintf(stderr, "xdp_oracle: the maps section does not hold whole map definitions\n");
		return -1;
	}
	def_size = defs->d_size / n;
	if (def_size < DEF_MIN_FIELDS * sizeof(__u32) || def_size % sizeof(__u32)) {
		fprintf(stderr, "xdp_oracle: map definitions of %zu bytes are not bpf_map_def\n", def_size);
		return -1;
	}

	for (i = 0; i < (size_t)n; i++) {
		struct oracle_map *m = &obj->maps[i];
		const __u32 *def;
		LIBBPF_OPTS(bpf_map_create_opts, opts);
		size_t extra;

		if (lm[i].offset > defs->d_size - def_size || lm[i].offset % sizeof(__u32)) {
			fprintf(stderr, "xdp_oracle: map %s lies outside the maps section\n", m->name);
			return -1;
		}
		def = (const __u32 *)((const char *)defs->d_buf + lm[i].offset);
		// iproute2's extra fields (id, pinning, inner map) ask for more than
		// plain creation; refuse rather than ignore them.
		for (extra = DEF_MIN_FIELDS; extra < def_size / sizeof(__u32); extra++) {
			if (def[extra]) {
				fprintf(stderr, "xdp_oracle: map %s uses iproute2 pinning or map-in-map fields\n",
					m->name);
				return -1;
			}
		}
		m->type = def[DEF_TYPE];
		m->key_size = def[DEF_KEY_SIZE];
		m->value_size = def[DEF_VALUE_SIZE];
		m->max_entries = def[DEF_MAX_ENTRIES];
		opts.map_flags = def[DEF_FLAGS];
		m->fd = bpf_map_create(m->type, m->name, m->key_size, m->value_size, m->max_entries, &opts);
		if (m->fd < 0) {
			fprintf(stderr, "xdp_oracle: creating map %s failed: %s\n", m->name, strerror(errno));
			return -1;
		}
		obj->n_maps++;
	}
	return 0;
}

// The section to load: named by --sec, holding the function named by
// --program (which must start it, as the whole section is one program), or
// else the only executable section with code.
static Elf_Scn *choose_section(const struct elf_file *f, const struct oracle_choice *choice,
			       char *name, size_t name_len)
{
	Elf_Data *syms = f->symtab ? section_data(f->symtab) : NULL;
	Elf_Scn *scn = NULL, *chosen = NULL;
	size_t i, n_syms = symbol_count(f);
	int n = 0;

	if (choice->section) {
		chosen = find_section(f, choice->section);
		if (!chosen)
			fprintf(stderr, "xdp_oracle: the object has no section '%s'\n", choice->section);
	} else if (choice->program) {
		for (i = 0; syms && i < n_syms; i++) {
			GElf_Sym sym;

			if (!gelf_getsym(syms, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    strcmp(symbol_name(f, &sym), choice->program))
				continue;
			if (sym.st_value != 0) {
				fprintf(stderr, "xdp_oracle: '%s' does not start its section; "
					"a legacy loader runs whole sections\n", choice->program);
				return NULL;
			}
			chosen = elf_getscn(f->elf, sym.st_shndx);
		}
		if (!chosen)
			fprintf(stderr, "xdp_oracle: the object has no program named '%s'\n", choice->program);
	} else {
		while ((scn = elf_nextscn(f->elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size) {
				chosen = scn;
				n++;
			}
		}
		if (n != 1) {
			fprintf(stderr, "xdp_oracle: the object has %d program sections; choose one with --sec\n", n);
			return NULL;
		}
	}
	if (!chosen)
		return NULL;

	// The program is named after the function at the start of its section.
	snprintf(name, name_len, "%s", section_name(f, chosen));
	for (i = 0; syms && i < n_syms; i++) {
		GElf_Sym sym;

		if (gelf_getsym(syms, (int)i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
		    sym.st_shndx == elf_ndxscn(chosen) && sym.st_value == 0)
			snprintf(name, name_len, "%s", symbol_name(f, &sym));
	}
	return chosen;
}

static int relocate(const struct elf_file *f, Elf_Scn *prog, struct bpf_insn *insns, size_t n_insns,
		    const struct oracle_object *obj, const struct legacy_map *lm)
{
	Elf_Scn *scn = NULL, *maps = find_section(f, LEGACY_MAPS_SECTION);
	Elf_Data *syms = section_data(f->symtab);
	size_t prog_idx = elf_ndxscn(prog);

	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *rels;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != prog_idx ||
		    !sh.sh_entsize)
			continue;
		rels = section_data(scn);
		for (i = 0; rels && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rel rel;
			GElf_Sym sym;
			size_t at;
			int m;

			if (!gelf_getrel(rels, (int)i, &rel) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym))
				return -1;
			at = rel.r_offset / sizeof(struct bpf_insn);
			if (sym.st_shndx != elf_ndxscn(maps)) {
				fprintf(stderr, "xdp_oracle: instruction %zu refers to section '%s'; "
					"a legacy object may only refer to maps\n", at,
					section_name(f, elf_getscn(f->elf, sym.st_shndx)));
				return -1;
			}
			if (at >= n_insns || insns[at].code != (BPF_LD | BPF_IMM | BPF_DW)) {
				fprintf(stderr, "xdp_oracle: map relocation at instruction %zu is not a 64-bit load\n", at);
				return -1;
			}
			for (m = 0; m < obj->n_maps; m++) {
				if (lm[m].offset == sym.st_value + (GElf_Addr)insns[at].imm)
					break;
			}
			if (m == obj->n_maps) {
				fprintf(stderr, "xdp_oracle: instruction %zu refers to no map definition\n", at);
				return -1;
			}
			insns[at].src_reg = BPF_PSEUDO_MAP_FD;
			insns[at].imm = obj->maps[m].fd;
		}
	}
	return 0;
}

static int load_program(const char *name, const char *license, const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd, refusal;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, license, insns, n, &opts);
	if (fd >= 0)
		return fd;
	refusal = errno;
	// Load again with the verifier log on, only to show why.
	opts.log_level = 1;
	opts.log_size = VERIFIER_LOG_SIZE;
	opts.log_buf = calloc(1, VERIFIER_LOG_SIZE);
	if (opts.log_buf) {
		bpf_prog_load(BPF_PROG_TYPE_XDP, name, license, insns, n, &opts);
		fprintf(stderr, "%s", opts.log_buf);
		free(opts.log_buf);
	}
	errno = refusal;
	return -1;
}

static void release(struct oracle_object *obj)
{
	int i;

	for (i = 0; i < obj->n_maps; i++)
		close(obj->maps[i].fd);
	if (obj->prog_fd >= 0)
		close(obj->prog_fd);
}

int load_legacy(const char *path, const struct oracle_choice *choice, struct oracle_object *obj)
{
	struct legacy_map lm[ORACLE_MAX_MAPS];
	struct elf_file f;
	Elf_Scn *prog, *lic;
	Elf_Data *code, *lic_data;
	struct bpf_insn *insns = NULL;
	char name[64], license[128] = "";
	size_t n_insns;
	int err = -1;

	obj->release = release;
	if (open_elf(path, &f) || create_maps(&f, obj, lm))
		goto out;
	prog = choose_section(&f, choice, name, sizeof(name));
	if (!prog)
		goto out;
	code = section_data(prog);
	if (!code || code->d_size % sizeof(struct bpf_insn)) {
		fprintf(stderr, "xdp_oracle: section '%s' does not hold whole instructions\n",
			section_name(&f, prog));
		goto out;
	}
	n_insns = code->d_size / sizeof(struct bpf_insn);
	insns = malloc(code->d_size);
	if (!insns)
		goto out;
	memcpy(insns, code->d_buf, code->d_size);
	if (relocate(&f, prog, insns, n_insns, obj, lm))
		goto out;

	lic = find_section(&f, LICENSE_SECTION);
	lic_data = lic ? section_data(lic) : NULL;
	if (lic_data)
		snprintf(license, sizeof(license), "%.*s", (int)lic_data->d_size, (const char *)lic_data->d_buf);

	obj->prog_fd = load_program(name, license, insns, n_insns);
	if (obj->prog_fd < 0) {
		fprintf(stderr, "xdp_oracle: the kernel refused %s: %s\n", path, strerror(errno));
		goto out;
	}
	err = 0;
out:
	free(insns);
	close_elf(&f);
	return err;
}
