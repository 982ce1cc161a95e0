/**
 * loadObject: from a parsed object to a LoadedObject, as libbpf and the
 * bpf() syscall load one: maps created and laid out in one memory, pinned
 * maps reused, programs relocated (CO-RE included) and checked, execution
 * contexts made; then setup files applied to its maps.
 *
 * May import: errors, uapi, encoding, isa, btf, vm, elf, maps, xdp, helpers, verifier, engine, testrun.
 */
