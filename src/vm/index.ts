/**
 * The machine programs run on: the flat memory of regions with their
 * permissions, locks over it, 64-bit arithmetic on int32 pairs, stack
 * frames, the execution limits, and the interpreter.
 *
 * May import: errors, uapi, isa.
 */
