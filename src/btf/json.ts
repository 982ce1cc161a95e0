/**
 * A value tree shaped like bpftool's output: `raw` tokens are printed
 * verbatim (numbers, `0x..`, `(nil)`), `string`s are quoted.
 */
export type DumpNode =
  | { kind: 'raw'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'array'; items: DumpNode[] }
  | { kind: 'object'; fields: Array<[string, DumpNode]> };

/**
 * bpftool's json_writer quoting, bug for bug: a backslash comes out as `\n`
 * (its escape table maps '\\' to "\\n"), which is what users see on screen.
 */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\n'; break;
      case '"': out += '\\"'; break;
      default: out += ch;
    }
  }
  return out + '"';
}

/**
 * Renders a tree exactly as bpftool's json_writer does. `pretty` is the
 * layout of plain `bpftool map dump` (objects broken over lines with 4-space
 * indents, array elements kept on one line, closing bracket on its own line);
 * without it, the compact form of `bpftool -j`.
 */
export function writeJson(node: DumpNode, pretty: boolean): string {
  const parts: string[] = [];
  let depth = 0;
  let sep = '';
  const eol = (): void => {
    if (pretty) parts.push('\n' + '    '.repeat(depth));
  };
  const eor = (): void => {
    parts.push(sep);
    sep = ',';
  };
  const begin = (c: string): void => {
    eor();
    parts.push(c);
    depth++;
    sep = '';
  };
  const end = (c: string): void => {
    depth--;
    if (sep !== '') eol();
    parts.push(c);
    sep = ',';
  };
  const write = (n: DumpNode): void => {
    switch (n.kind) {
      case 'raw':
        eor();
        parts.push(n.text);
        break;
      case 'string':
        eor();
        parts.push(quote(n.value));
        break;
      case 'array':
        begin('[');
        n.items.forEach(write);
        end(']');
        break;
      case 'object':
        begin('{');
        for (const [name, value] of n.fields) {
          eor();
          eol();
          sep = '';
          parts.push(quote(name) + (pretty ? ': ' : ':'));
          write(value);
        }
        end('}');
        break;
    }
  };
  write(node);
  return parts.join('');
}
