import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateUapi, headerNumbers, headersVersion, readKernelBtf, recordedSources, type Sources } from '../../scripts/gen-uapi.js';

const uapi = new URL('../../src/uapi/', import.meta.url);

interface Committed {
  path: string;
  text: string;
  sources: Sources;
}

const committed: Committed[] = readdirSync(uapi)
  .filter((name) => name.endsWith('.ts') && name !== 'index.ts')
  .map((name) => {
    const text = readFileSync(new URL(name, uapi), 'utf8');
    const sources = recordedSources(text.slice(0, text.indexOf('\n')));
    if (sources === undefined) throw new Error(`src/uapi/${name}: the first line is not scripts/gen-uapi.ts's`);
    return { path: `src/uapi/${name}`, text, sources };
  });

/** The directory the headers were read under: a header's path less `linux/bpf.h` or `asm-generic/errno.h`. */
const includeOf = (header: string): string => dirname(dirname(header));

const kernel = readKernelBtf();

/** Why this machine would not generate the committed bytes, or undefined if it would. */
function unlikeHere(): string | undefined {
  for (const { path, sources } of committed) {
    for (const header of sources.headers) {
      if (!existsSync(header)) return `no ${header} here`;
      const linux = headersVersion(includeOf(header));
      if (linux !== sources.linux) return `the headers here are of Linux ${linux ?? '(unknown)'}, ${path} records ${sources.linux ?? '(unknown)'}`;
    }
  }
  const recorded = committed.find((c) => c.sources.kernel !== undefined);
  if (recorded === undefined) return kernel === undefined ? undefined : "the files were generated without the kernel's BTF";
  if (kernel === undefined) return "the kernel's BTF cannot be read here (bpftool, /sys/kernel/btf/vmlinux)";
  if (kernel.release !== recorded.sources.kernel) return `the running kernel is ${kernel.release}, ${recorded.path} records the BTF of ${recorded.sources.kernel}`;
  return undefined;
}

describe('src/uapi', () => {
  const unlike = unlikeHere();
  it.skipIf(unlike !== undefined)(`is what scripts/gen-uapi.ts generates here${unlike === undefined ? '' : ` (skipped: ${unlike})`}`, () => {
    const bpfH = committed.flatMap((c) => c.sources.headers).find((h) => h.endsWith('/linux/bpf.h'));
    const files = generateUapi(bpfH === undefined ? undefined : includeOf(bpfH), kernel);
    expect(files.map((f) => f.path).sort()).toEqual(committed.map((c) => c.path).sort());
    for (const file of files) expect(committed.find((c) => c.path === file.path)?.text, file.path).toBe(file.text);
  });

  // Elsewhere (another kernel, other headers, no bpftool) the bytes may rightly
  // differ, but a name the local headers define must still have its value.
  for (const { path, sources } of committed.filter((c) => c.sources.headers.length > 0)) {
    const local = sources.headers.filter((h) => existsSync(h));
    const missing = local.length === 0 ? `no ${sources.headers.join(', ')} here` : undefined;
    it.skipIf(missing !== undefined)(`${path}: every name the local headers define has the committed value${missing === undefined ? '' : ` (skipped: ${missing})`}`, async () => {
      const defined = new Map<string, number>();
      for (const header of local) for (const [name, value] of headerNumbers(readFileSync(header, 'utf8'))) defined.set(name, value);
      const values = (await import(new URL(path.slice('src/uapi/'.length), uapi).href)) as Record<string, unknown>;
      let checked = 0;
      for (const [name, value] of Object.entries(values)) {
        if (typeof value !== 'number' || !defined.has(name)) continue;
        expect(value, name).toBe(defined.get(name));
        checked++;
      }
      expect(checked, 'names checked').toBeGreaterThan(0);
    });
  }
});
