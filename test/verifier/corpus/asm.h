// Operand macros for the assembly cases (the naked functions whose body is
// one asm block, as the kernel's verifier selftests write theirs):
//   __imm(bpf_map_lookup_elem)  "call %[bpf_map_lookup_elem];" names the helper
//   __imm_addr(map)             "r1 = %[map] ll;" loads the map's address
//   __imm_const(name, value)    a number
//   __imm_insn(name, RAW(...))  ".8byte %[name];" an instruction clang would not write
#ifndef CORPUS_ASM_H
#define CORPUS_ASM_H
#include <linux/bpf.h>

#define __naked __attribute__((naked))
#define __imm(name) [name] "i"(name)
#define __imm_const(name, expr) [name] "i"(expr)
#define __imm_addr(name) [name] "i"(&name)
#define __imm_insn(name, expr) [name] "i"(*(long *)&(struct bpf_insn[]){ expr })
#define RAW(op, dst, src, offset, immediate) \
	((struct bpf_insn){ .code = (op), .dst_reg = (dst), .src_reg = (src), .off = (offset), .imm = (immediate) })
#endif
