/**
 * Text encodings, one place each: hex.ts parses the hex of setup files,
 * pinned-map files, command-line operands and the conformance plugin;
 * names.ts escapes names from object files and pins for display.
 *
 * May import: errors, uapi.
 */
