// SPDX-License-Identifier: MIT
// The kernel's verifier on one program of an object: opens OBJECT with
// libbpf, turns autoload off for every program but PROGRAM (programs in
// sections libbpf does not know become XDP, as iproute2 does), loads with
// log_level 1 into a 64 MiB buffer and prints one JSON object:
//   {"accepted":B,"errno":"EACCES","stage":"kernel"|"libbpf","log":"...","libbpf":"..."}
// "stage" is "libbpf" when the kernel never saw the program (libbpf refused
// it, or a map of the object, first); "libbpf" holds what libbpf printed.
// Built and run by test/verifier/corpus/kernel.ts. Nothing is pinned.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#define LOG_SIZE (512u << 20)
#define LOG_TAIL_LINES 100

static char libbpf_out[1 << 16];
static size_t libbpf_len;

static int collect(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || libbpf_len >= sizeof(libbpf_out) - 1)
		return 0;
	int n = vsnprintf(libbpf_out + libbpf_len, sizeof(libbpf_out) - libbpf_len, fmt, args);
	if (n > 0)
		libbpf_len += (size_t)n;
	if (libbpf_len > sizeof(libbpf_out) - 1)
		libbpf_len = sizeof(libbpf_out) - 1;
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EACCES: return "EACCES";
	case ENOMEM: return "ENOMEM";
	case 524: return "ENOTSUPP"; // the kernel's own, not in libc
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ESRCH: return "ESRCH";
	case EEXIST: return "EEXIST";
	case ELOOP: return "ELOOP";
	default: break;
	}
	static char buf[32];
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

// The last n lines of s (a 1,000,000-instruction path logs ~100 MB).
static const char *tail(const char *s, int n)
{
	const char *p = s + strlen(s);

	if (p > s && p[-1] == '\n')
		p--;
	while (p > s) {
		if (p[-1] == '\n' && --n == 0)
			break;
		p--;
	}
	return p;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog, *chosen = NULL;
	char *log;
	int err;

	if (argc == 3 && strcmp(argv[1], "--list") == 0) {
		obj = bpf_object__open_file(argv[2], NULL);
		if (!obj) {
			fprintf(stderr, "verify: cannot open %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		bpf_object__for_each_program(prog, obj) {
			enum bpf_prog_type t = bpf_program__type(prog);
			printf("%s %s %s\n", bpf_program__name(prog), bpf_program__section_name(prog),
			       t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_UNSPEC ? "xdp" : "other");
		}
		bpf_object__close(obj);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: verify OBJECT PROGRAM\n");
		return 2;
	}
	libbpf_set_print(collect);
	log = calloc(1, LOG_SIZE);
	if (!log)
		return 1;
	for (int all = 0; all < 2; all++) {
		chosen = NULL;
		libbpf_len = 0;
		log[0] = 0;
		obj = bpf_object__open_file(argv[1], NULL);
		if (!obj) {
			// libbpf refuses the object itself (legacy map definitions, ...).
			err = errno;
			libbpf_out[libbpf_len] = 0;
			printf("{\"accepted\":false,\"errno\":");
			json_string(errno_name(err));
			printf(",\"stage\":\"libbpf\",\"log\":\"\",\"libbpf\":");
			json_string(libbpf_out);
			printf("}\n");
			return 0;
		}
		bpf_object__for_each_program(prog, obj) {
			if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC)
				bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
			if (strcmp(bpf_program__name(prog), argv[2]) == 0)
				chosen = prog;
			else if (!all)
				bpf_program__set_autoload(prog, false);
		}
		if (!chosen) {
			fprintf(stderr, "verify: %s has no program named %s\n", argv[1], argv[2]);
			return 1;
		}
		/* VERIFY_LOG_LEVEL=2 asks for every instruction's state, to compare logs by hand. */
		const char *level = getenv("VERIFY_LOG_LEVEL");
		bpf_program__set_log_level(chosen, level ? atoi(level) : 1);
		bpf_program__set_log_buf(chosen, log, LOG_SIZE);
		err = bpf_object__load(obj);

		// A program array initialised with the object's other programs
		// fails (EBADF) while they are not loaded: then load them all
		// (only ours keeps a log).
		if (err != -EBADF || all)
			break;
		bpf_object__close(obj);
	}
	printf("{\"accepted\":%s,\"errno\":", err ? "false" : "true");
	json_string(errno_name(err < 0 ? -err : err));
	printf(",\"stage\":\"%s\",\"log\":", err && !log[0] ? "libbpf" : "kernel");
	json_string(tail(log, LOG_TAIL_LINES));
	printf(",\"libbpf\":");
	libbpf_out[libbpf_len] = 0;
	json_string(err ? libbpf_out : "");
	printf("}\n");
	bpf_object__close(obj);
	free(log);
	return 0;
}
