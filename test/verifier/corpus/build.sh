#!/bin/sh
# Rebuilds the corpus objects from their C sources (one program per file,
# grouped in one folder per rule). The .o files are committed so the tests run
# without clang; after editing or adding a case, run this, then
# `npm run corpus:record` (root) to record the kernel's answer again.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
for src in */*.c; do
	"$CLANG" -O2 -g -target bpf -mcpu=v3 -I/usr/include/x86_64-linux-gnu \
		-fdebug-prefix-map="$(pwd)"=. \
		-c "$src" -o "${src%.c}.o"
done
