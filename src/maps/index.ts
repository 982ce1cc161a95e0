/**
 * The map types, wholly in the flat memory (values, indexes, free lists and
 * locks), so that threads sharing the memory share the maps as CPUs do; their
 * creation with the kernel's checks, the `.values` presets of an object's
 * maps, dumps and pinning. Maps know neither the parser (elf) nor the
 * engines that run programs: an object's programs and presets reach them as
 * names and ids.
 *
 * May import: errors, uapi, encoding, btf, vm.
 */
