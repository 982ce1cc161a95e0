// Reader for bpf_conformance vector files (../shared/conformance/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Vector {
  name: string;
  asm?: string;
  /** Program bytes from a `-- raw` section. */
  raw?: Uint8Array;
  mem: Uint8Array;
  result?: bigint;
  error?: string;
}

const KNOWN = new Set(['asm', 'raw', 'mem', 'result', 'c', 'no register offset', 'error']);

/** Parses one vector; an unknown `-- section` is an error, as in the reference runner. */
export function parseVector(name: string, text: string): Vector {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^-- (.*)$/.exec(line);
    if (header) {
      const key = header[1]!.trim();
      if (!KNOWN.has(key)) throw new Error(`${name}: unknown section '-- ${key}'`);
      current = [];
      sections.set(key, current);
    } else if (current && !(line.startsWith('#') && !sections.has('asm'))) {
      current.push(line);
    }
  }
  const body = (key: string): string | undefined => sections.get(key)?.join('\n');
  const vector: Vector = { name, mem: hexBytes(body('mem') ?? '') };
  const asm = body('asm');
  if (asm !== undefined) vector.asm = asm;
  const raw = body('raw');
  if (raw !== undefined) vector.raw = rawProgram(raw);
  const result = body('result')?.replace(/#.*$/gm, '').trim();
  if (result) vector.result = BigInt(result);
  const error = body('error');
  if (error !== undefined) vector.error = error.trim();
  return vector;
}

function hexBytes(text: string): Uint8Array {
  const bytes = text.replace(/#.*$/gm, '').trim().split(/\s+/).filter((b) => b !== '');
  return Uint8Array.from(bytes, (b) => parseInt(b, 16));
}

/** `-- raw`: either 64-bit words (`0x5566778800000018`) or 8 space-separated bytes per line. */
function rawProgram(text: string): Uint8Array {
  const out: number[] = [];
  for (const line of text.replace(/#.*$/gm, '').split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (/^0x[0-9a-f]{16}$/i.test(t)) {
      let v = BigInt(t);
      for (let i = 0; i < 8; i++, v >>= 8n) out.push(Number(v & 0xffn));
    } else {
      out.push(...t.split(/\s+/).map((b) => parseInt(b, 16)));
    }
  }
  return Uint8Array.from(out);
}

/** The `.data` files of `root`/`dir`, by name; `root` comes from sharedDir('conformance'). */
export function loadVectors(root: string, dir: 'tests' | 'negative'): Array<{ name: string; text: string }> {
  const path = join(root, dir);
  return readdirSync(path)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(path, f), 'utf8') }));
}
