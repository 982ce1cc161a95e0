import { parseHexStrict } from './hex.js';
import { LoadError } from './errors.js';
import type { LoadedObject } from './load.js';

/** One map update to apply after load and before the first packet. */
export interface MapUpdate {
  map: string;
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * Reads a setup file: one `MAP KEY_HEX VALUE_HEX` per line, `#` comments and
 * blank lines allowed, the format the kernel oracle harness reads too. A
 * per-CPU value is given once and stored for every CPU.
 */
export function parseSetup(text: string, source = 'setup'): MapUpdate[] {
  const updates: MapUpdate[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const words = line.split(/\s+/);
    if (words.length !== 3) throw new LoadError(`${source}:${i + 1}: expected MAP KEY_HEX VALUE_HEX`);
    try {
      updates.push({ map: words[0]!, key: parseHexStrict(words[1]!), value: parseHexStrict(words[2]!) });
    } catch (e) {
      throw new LoadError(`${source}:${i + 1}: ${(e as Error).message}`);
    }
  });
  return updates;
}

export function applySetup(obj: LoadedObject, updates: readonly MapUpdate[]): void {
  for (const u of updates) obj.map(u.map).updateElem(u.key, u.value);
}
