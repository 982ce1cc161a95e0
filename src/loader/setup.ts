import { shownName } from '../encoding/names.js';
import { MapError } from '../maps/types.js';
import { HexError, parseHexStrict } from '../encoding/hex.js';
import { LoadError } from './errors.js';
import type { LoadedObject } from './load.js';

/** One map update to apply after load and before the first packet. */
export interface MapUpdate {
  map: string;
  key: Uint8Array;
  value: Uint8Array;
  /** `FILE:LINE` of a setup file, for messages. */
  where?: string;
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
    const where = `${source}:${i + 1}`;
    if (words.length !== 3) throw new LoadError(`${where}: expected MAP KEY_HEX VALUE_HEX`);
    updates.push({ map: words[0]!, key: hexWord(words[1]!, 'key', where), value: hexWord(words[2]!, 'value', where), where });
  });
  return updates;
}

function hexWord(word: string, what: string, where: string): Uint8Array {
  try {
    return parseHexStrict(word);
  } catch (e) {
    if (!(e instanceof HexError)) throw e;
    throw new LoadError(`${where}: ${what}: ${e.message}`);
  }
}

/** Applies the updates in order; a refused one names its line (and the map, printable) as well as the reason. */
export function applySetup(obj: LoadedObject, updates: readonly MapUpdate[]): void {
  for (const u of updates) {
    const where = u.where ?? 'setup';
    const map = obj.maps.get(u.map);
    if (map === undefined) throw new LoadError(`${where}: object has no map named ${shownName(u.map)}`);
    try {
      map.updateElem(u.key, u.value);
    } catch (e) {
      if (!(e instanceof MapError)) throw e;
      throw new LoadError(`${where}: ${e.message}`);
    }
  }
}
