// Asks the verifier, for every helper id, whether an XDP program may call it:
// loads `call ID` with R1-R5 zeroed under the given licence and prints one line
// per id, "ID<TAB>VERDICT", where VERDICT is the last line of the verifier's
// log when the load fails ("invalid func ...", "program of this type cannot use
// helper ...", an argument-type complaint, ...) or "ok".
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "oracle.h"

#define MAX_PROBED_ID 300

static char log_buf[1 << 16];

/* The last line of the log that is not the instruction trace or the statistics. */
static const char *verdict_line(char *log)
{
	const char *last = "";
	char *save;

	for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "processed ", 10) || strstr(l, "verification time"))
			continue;
		if (l[0] >= '0' && l[0] <= '9' && strstr(l, ": ("))
			continue;
		last = l;
	}
	return last;
}

int probe_helpers(const char *license)
{
	for (int id = 1; id <= MAX_PROBED_ID; id++) {
		struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 4 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 5 },
			{ .code = BPF_JMP | BPF_CALL, .imm = id },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log_buf, .log_size = sizeof(log_buf), .log_level = 1);
		int fd;

		log_buf[0] = 0;
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe", license, insns, sizeof(insns) / sizeof(insns[0]), &opts);
		if (fd >= 0)
			close(fd);
		printf("%d\t%s\n", id, fd >= 0 ? "ok" : verdict_line(log_buf));
	}
	return 0;
}
