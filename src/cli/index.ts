/**
 * The xdpsim command: argument parsing, usage, exit statuses and how errors
 * are reported (main.ts), and one file per subcommand (commands/), each
 * loaded only when it runs. The top of the tree: nothing under src/ imports
 * it.
 *
 * May import: errors, uapi, encoding, isa, btf, pcap, vm, elf, maps, xdp, helpers, engine, testrun, loader, nic, replay.
 */
