/**
 * Load-time checks of a program, the kernel verifier's refusals that xdpsim
 * makes: control flow and structure, register initialisation, and which
 * helpers a program may call.
 *
 * May import: errors, uapi, isa, helpers.
 */
