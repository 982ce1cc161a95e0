/**
 * A name from an object file or a pinned map, as it may be printed. Such
 * names are whatever bytes the file holds (the kernel would refuse most of
 * them, but a crafted file gets here first), and a newline or a terminal
 * escape in one must not forge output lines or drive the terminal.
 * Printable ASCII stays as it is; everything else, and the backslash, is
 * written as a C escape (`\n`, `\x1b`, `\u{202e}`).
 */
export function printableName(name: string): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f && ch !== '\\') out += ch;
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += `\\u{${c.toString(16)}}`;
  }
  return out;
}

/** A name as messages show it: printable, and cut to 64 characters so that a crafted name cannot flood the terminal. */
export function shownName(name: string): string {
  return printableName(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}
