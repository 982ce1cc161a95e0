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
 * bpftool's json_writer: each token goes to `out` as it is written, so a
 * dump of any size never exists as a tree or as one string (`out` gathers
 * tokens into chunks). `pretty` is the layout of plain `bpftool map dump`
 * (objects broken over lines with 4-space indents, array elements kept on
 * one line, closing bracket on its own line); without it, the compact form
 * of `bpftool -j`.
 */
export class JsonWriter {
  private depth = 0;
  /** What goes before the next value: ',' after a value at this level, '' at its start. */
  private sep = '';

  constructor(
    private readonly out: (text: string) => void,
    private readonly pretty: boolean,
  ) {}

  startObject(): void {
    this.begin('{');
  }

  endObject(): void {
    this.end('}');
  }

  startArray(): void {
    this.begin('[');
  }

  endArray(): void {
    this.end(']');
  }

  /** An object member's name; its value follows. */
  name(name: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out(quote(name) + (this.pretty ? ': ' : ':'));
  }

  /** A token printed verbatim: a number, `0x..`, `(nil)`, `true`. */
  raw(text: string): void {
    this.eor();
    this.out(text);
  }

  string(value: string): void {
    this.eor();
    this.out(quote(value));
  }

  private eol(): void {
    if (this.pretty) this.out('\n' + '    '.repeat(this.depth));
  }

  private eor(): void {
    if (this.sep !== '') this.out(this.sep);
    this.sep = ',';
  }

  private begin(c: string): void {
    this.eor();
    this.out(c);
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== '') this.eol();
    this.out(c);
    this.sep = ',';
  }
}
