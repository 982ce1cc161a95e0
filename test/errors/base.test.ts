// Every error class under src/ derives from XdpsimError and carries a stable
// code, so the CLI can tell a refused input from a bug by class alone. The
// classes are found by importing every module, so a new one cannot be missed.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { XdpsimError } from '../../src/errors/index.js';

const SRC = resolve(import.meta.dirname, '../../src');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every exported class whose instances are Errors, with the module that exports it. */
async function errorClasses(): Promise<Array<[string, new (...args: never[]) => Error]>> {
  const found = new Map<unknown, [string, new (...args: never[]) => Error]>();
  for (const path of modules(SRC)) {
    const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function' && value.prototype instanceof Error && value !== XdpsimError && !found.has(value)) {
        found.set(value, [`${relative(SRC, path)}: ${name}`, value as new (...args: never[]) => Error]);
      }
    }
  }
  return [...found.values()];
}

describe('one error base class', () => {
  it('is the base of every exported error class, each with a stable upper-case code', async () => {
    const classes = await errorClasses();
    // The 14 families of the code table in src/errors, and subclasses (MemoryAccessError, ProgramLoadError).
    expect(classes.length).toBeGreaterThanOrEqual(16);
    for (const [where, C] of classes) {
      expect(C.prototype instanceof XdpsimError, `${where} does not derive from XdpsimError`).toBe(true);
      // Any arguments do for a look at the code: every constructor takes numbers or strings.
      const e = new (C as unknown as new (...args: number[]) => XdpsimError)(1, 1, 1, 1, 1);
      expect(e.code, where).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(e.message, where).not.toContain('\n');
    }
  });
});
