#!/usr/bin/env bash
# Rebuilds examples/*.o from examples/*.c. Most examples target BPF ISA v3
# with the default clang; the ISA v4 ones need clang-19 and are left as
# committed when it is missing. Paths are recorded relative to the repository
# so that objects built on different machines come out the same.
#
#   scripts/build-examples.sh [--check]
#
# --check then loads every object into the running kernel with bpftool
# (root, bpffs on /sys/fs/bpf) and prints each program's verified size.
set -euo pipefail

cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
CLANG_V4=${CLANG_V4:-clang-19}
V4_EXAMPLES="xdp_cpuv4 xdp_gotol"
# libbpf 1.x refuses legacy map definitions; test/oracle loads it instead.
LIBBPF_REFUSES="xdp_legacy_maps"

check=0
case "${1:-}" in
"") ;;
--check) check=1 ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v "$CLANG" >/dev/null; then
	echo "build-examples: $CLANG not found; the committed objects stay as they are" >&2
	exit 1
fi

flags=(-O2 -g -target bpf -Wall -Werror
	-I"/usr/include/$(uname -m)-linux-gnu"
	-fdebug-prefix-map="$PWD"=.)

is_v4() {
	case " $V4_EXAMPLES " in *" $1 "*) return 0 ;; esac
	return 1
}

for src in examples/*.c; do
	name=$(basename "$src" .c)
	if is_v4 "$name"; then
		if ! command -v "$CLANG_V4" >/dev/null; then
			echo "build-examples: $CLANG_V4 not found; keeping examples/$name.o" >&2
			continue
		fi
		"$CLANG_V4" "${flags[@]}" -mcpu=v4 -c "$src" -o "examples/$name.o"
	else
		"$CLANG" "${flags[@]}" -mcpu=v3 -c "$src" -o "examples/$name.o"
	fi
	echo "built examples/$name.o"
done

[ "$check" = 1 ] || exit 0

# bpffs holds only pins; the loader's messages go to an ordinary file.
pins=/sys/fs/bpf/xdpsim_examples_$$
log=$(mktemp)
mkdir "$pins"
trap 'rm -rf "$pins" "$log"' EXIT
status=0
for obj in examples/*.o; do
	name=$(basename "$obj" .o)
	case " $LIBBPF_REFUSES " in *" $name "*)
		echo "$name: not loadable by libbpf 1.x (legacy maps section); see test/oracle"
		continue ;;
	esac
	mkdir "$pins/$name"
	if ! bpftool prog loadall "$obj" "$pins/$name" type xdp 2>"$log"; then
		echo "$name: REFUSED by the kernel"; tail -n 20 "$log"
		status=1
		continue
	fi
	for pin in "$pins/$name"/*; do
		bpftool -j prog show pinned "$pin" |
			sed -E 's/.*"name":"([^"]*)".*"bytes_xlated":([0-9]+).*/\1 \2/' |
			while read -r prog bytes; do echo "$name: $prog accepted, $((bytes / 8)) instructions"; done
	done
done
exit $status
