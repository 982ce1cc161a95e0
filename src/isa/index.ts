/**
 * The eBPF instruction set (RFC 9669): opcodes named as the kernel names
 * them, the decoder, the assembler in two dialects and the disassembler.
 *
 * May import: errors, uapi.
 */
