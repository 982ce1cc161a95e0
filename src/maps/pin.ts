import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XdpsimError } from '../errors/index.js';
import { shownName } from '../encoding/names.js';
import { parseHexDigits } from '../encoding/hex.js';
import { forcedFlags } from './create.js';
import type { BpfMap, MapValue } from './map.js';
import { createStandaloneMap } from './standalone.js';
import {
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
} from '../uapi/bpf.js';
import { EINVAL } from '../uapi/errno.js';
import { isU32, MapError, MAX_CPUS, type MapSpec } from './types.js';

/**
 * A pinned map, as a file: the simulator's bpffs. `bpftool map pin` keeps a map
 * alive under a path; here the path holds the map's definition and contents,
 * so a later process (another `xdpsim run`, `xdpsim map dump pinned`) gets the
 * same map back.
 *
 * The file is written and read one entry at a time, so a map of any size
 * pins and comes back in the memory of one entry: a first line of JSON, the
 * header below, then one line per entry, `KEY VALUE` in hex (a per-CPU map:
 * `KEY VALUE_CPU0 VALUE_CPU1 ...`). A key of size 0 is an empty field.
 */
interface PinHeader {
  format: typeof FORMAT;
  spec: MapSpec;
  cpus: number;
  /** Frozen (bpf_map_freeze, as libbpf freezes .rodata): user space may not change it. */
  frozen: boolean;
  /** How many entry lines follow; a file with fewer or more is damaged. */
  entries: number;
}

const FORMAT = 'xdpsim-pinned-map-2';

export class PinError extends XdpsimError {
  override readonly code = 'PIN';

  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

/** NAME_MAX: the longest file name Linux takes, in bytes. */
const NAME_MAX = 255;

/**
 * Where map `mapName` is pinned under `dir`, as libbpf names pins: the map's
 * name with its dots made '_' (xdp_roda.rodata -> xdp_roda_rodata). The name
 * comes from the object, so it is checked to be one file name in `dir`
 * before anything runs, rather than failing (or landing elsewhere) when the
 * map is pinned after the run.
 */
export function pinPath(dir: string, mapName: string): string {
  const name = mapName.replace(/\./g, '_');
  const bytes = Buffer.byteLength(name);
  const shown = shownName(mapName);
  if (name === '') throw new PinError(`map with an empty name: it cannot be pinned under ${dir}`);
  if (bytes > NAME_MAX) throw new PinError(`map '${shown}': its pin name of ${bytes} bytes is longer than NAME_MAX (${NAME_MAX}): ENAMETOOLONG`);
  if (/[/\0]/.test(name)) throw new PinError(`map '${shown}': a pin name cannot hold '/' or NUL`);
  return join(dir, name);
}

const PERCPU_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH]);

/**
 * Maps whose every value names a program or a map of the object that filled
 * them. In the kernel a pin keeps those programs and maps alive; here they
 * end with the xdpsim process that loaded them, so the pin keeps the
 * definition and no slots (a run reusing the pin fills the `.values`
 * presets again, as libbpf does for a prog array). Perf event arrays and
 * xskmaps hold perf events and sockets, and list no entries at all.
 */
const REFERENCE_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS]);

/** Device and CPU map values (struct bpf_devmap_val, bpf_cpumap_val): a u32, then the id of an optional program. */
const PROGRAM_VALUE_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP]);

/** The entries a pin keeps: a device or CPU map entry keeps its device (or queue size) but not its program, for the reason above. */
function* pinnedEntries(map: BpfMap): Generator<[Uint8Array, MapValue]> {
  if (REFERENCE_TYPES.has(map.spec.type)) return;
  const dropProgram = PROGRAM_VALUE_TYPES.has(map.spec.type) && map.spec.valueSize === 8;
  for (const [k, v] of map.entries()) {
    if (dropProgram && !Array.isArray(v)) v.fill(0, 4);
    yield [k, v];
  }
}

/** Bytes written in chunks of this size, and lines read in chunks of it. */
const CHUNK = 64 << 10;

/** Buffered writes to a file descriptor; hex goes in pieces, as a value may be longer than a string can be. */
class PinWriter {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private n = 0;

  constructor(private readonly fd: number) {}

  byte(b: number): void {
    if (this.n === CHUNK) this.flush();
    this.buf[this.n++] = b;
  }

  /** ASCII text. */
  text(s: string): void {
    for (let i = 0; i < s.length; ) {
      if (this.n === CHUNK) this.flush();
      const n = this.buf.write(s.slice(i, i + CHUNK - this.n), this.n, 'latin1');
      this.n += n;
      i += n;
    }
  }

  hex(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += CHUNK / 2) {
      this.text(Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(CHUNK / 2, bytes.length - i)).toString('hex'));
    }
  }

  flush(): void {
    for (let at = 0; at < this.n; ) at += writeSync(this.fd, this.buf, at, this.n - at);
    this.n = 0;
  }
}

/** Temporary files made by this process, for unique names. */
let pinsWritten = 0;

/** Writes the map to `path` (atomically: a reader never sees half a file), one entry at a time. */
export function pinMap(map: BpfMap, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // Short, so that a pin name up to NAME_MAX still leaves room for it; hidden, so no one mistakes it for a map.
  const tmp = join(dirname(path), `.xdpsim-${process.pid}-${++pinsWritten}`);
  const fd = openSync(tmp, 'w');
  try {
    let count = 0;
    for (const _ of pinnedEntries(map)) count++;
    const header: PinHeader = { format: FORMAT, spec: { ...map.spec }, cpus: map.cpus, frozen: map.isFrozen, entries: count };
    const out = new PinWriter(fd);
    // \u escapes keep the header ASCII, as text() writes it.
    out.text(JSON.stringify(header).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n');
    for (const [k, v] of pinnedEntries(map)) {
      out.hex(k);
      for (const slot of Array.isArray(v) ? v : [v]) {
        out.byte(0x20);
        out.hex(slot);
      }
      out.byte(0x0a);
    }
    out.flush();
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Lines of a file, read in chunks; a line may be as long as the caller allows and no longer. */
class LineReader {
  private readonly chunk = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private end = 0;
  private eof = false;
  line = 0;
  /** Whether the last line read ended the file without its newline. */
  cut = false;

  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /**
   * The next line without its newline, or undefined at the end of the file;
   * a line over `max` bytes is an error (`what` says what it should be).
   */
  next(max: number, what: string): Buffer | undefined {
    this.line++;
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      if (this.pos === this.end && !this.fill()) {
        this.cut = length > 0;
        return this.cut ? Buffer.concat(parts, length) : undefined;
      }
      const nl = this.chunk.indexOf(0x0a, this.pos);
      const stop = nl >= 0 && nl < this.end ? nl : this.end;
      length += stop - this.pos;
      if (length > max) throw new PinError(`${this.path}: line ${this.line} is longer than ${what} (${max} bytes)`);
      parts.push(Buffer.from(this.chunk.subarray(this.pos, stop)));
      this.pos = stop;
      if (stop < this.end) {
        this.pos++;
        return Buffer.concat(parts, length);
      }
    }
  }

  atEnd(): boolean {
    return this.pos === this.end && !this.fill();
  }

  private fill(): boolean {
    if (this.eof) return false;
    this.end = readSync(this.fd, this.chunk, 0, CHUNK, null);
    this.pos = 0;
    this.eof = this.end === 0;
    return !this.eof;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a field holds, for a message: the kind of value, and a number itself (never text from the file). */
function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : v === undefined ? 'nothing' : `a ${typeof v}`;
}

/** A map definition as createMap takes it: u32 fields (createMap applies the per-type rules). */
function specField(v: unknown, field: string, path: string, nested: boolean): MapSpec {
  if (!isObject(v)) throw new PinError(`${path}: ${field} must be an object`);
  if (typeof v.name !== 'string') throw new PinError(`${path}: ${field}.name must be a string`);
  const spec: MapSpec = { name: v.name, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
  for (const key of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const) {
    const n = v[key];
    if (!isU32(n)) throw new PinError(`${path}: ${field}.${key} must be an integer in 0..4294967295, got ${describe(n)}`);
    spec[key] = n;
  }
  if (v.inner !== undefined) {
    if (nested) throw new PinError(`${path}: ${field}.inner: an inner map has no inner map`);
    spec.inner = specField(v.inner, `${field}.inner`, path, true);
  }
  return spec;
}

/** The longest header line read: far more than any definition needs, little enough to hold. */
const HEADER_MAX = 64 << 10;

/** The first line: every field has the type and range the map needs. */
function readHeader(lines: LineReader, path: string): PinHeader {
  const line = lines.next(HEADER_MAX, 'a pinned map header');
  let parsed: unknown;
  try {
    parsed = JSON.parse((line ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    // The parser's message quotes the text; the file may hold anything.
    throw new PinError(`${path}: not a pinned map (its first line is not a JSON header)`);
  }
  if (!isObject(parsed) || parsed.format !== FORMAT) throw new PinError(`${path}: not a pinned map (format is not ${FORMAT})`);
  const spec = specField(parsed.spec, 'spec', path, false);
  const cpus = parsed.cpus;
  if (!Number.isInteger(cpus) || (cpus as number) < 1 || (cpus as number) > MAX_CPUS) {
    throw new PinError(`${path}: cpus must be an integer in 1..${MAX_CPUS}, got ${describe(cpus)}`);
  }
  const frozen = parsed.frozen ?? false;
  if (typeof frozen !== 'boolean') throw new PinError(`${path}: frozen must be true or false`);
  const entries = parsed.entries;
  if (!Number.isInteger(entries) || (entries as number) < 0) throw new PinError(`${path}: entries must be a count, got ${describe(entries)}`);
  if ((entries as number) > spec.maxEntries) throw new PinError(`${path}: ${describe(entries)} entries, more than spec.maxEntries (${spec.maxEntries})`);
  return { format: FORMAT, spec, cpus: cpus as number, frozen, entries: entries as number };
}

/** One entry line: a key and one value (per-CPU maps: one per CPU), each hex of exactly the map's size. */
function readEntry(line: Buffer, header: PinHeader, path: string, n: number): [Uint8Array, MapValue] {
  const { keySize, valueSize } = header.spec;
  const values = PERCPU_TYPES.has(header.spec.type) ? header.cpus : 1;
  const fields: Uint8Array[] = [];
  for (let at = 0; ; ) {
    const space = line.indexOf(0x20, at);
    const field = fields.length === 0 ? 'key' : values === 1 ? 'value' : `value (CPU ${fields.length - 1})`;
    const size = fields.length === 0 ? keySize : valueSize;
    let bytes: Uint8Array;
    try {
      bytes = parseHexDigits(line.subarray(at, space < 0 ? line.length : space));
    } catch (e) {
      if (!(e instanceof XdpsimError)) throw e;
      throw new PinError(`${path}: line ${n}: ${field}: ${e.message}`);
    }
    if (bytes.length !== size) throw new PinError(`${path}: line ${n}: ${field} must be ${size} bytes, got ${bytes.length}`);
    fields.push(bytes);
    if (space < 0) break;
    if (fields.length > values) throw new PinError(`${path}: line ${n}: more than ${values} value${values === 1 ? '' : 's'}`);
    at = space + 1;
  }
  if (fields.length !== values + 1) throw new PinError(`${path}: line ${n}: ${values} value${values === 1 ? '' : 's'} expected, got ${fields.length - 1}`);
  return [fields[0]!, values === 1 && !PERCPU_TYPES.has(header.spec.type) ? fields[1]! : fields.slice(1)];
}

/**
 * Reads a pinned map file into the map `open` makes of its header, entry by
 * entry: each line is checked (hex, sizes, count) before the map sees it,
 * so restoring fails only as the map itself refuses an update. A failure
 * leaves the map half filled; callers drop it.
 */
function readPin(path: string, open: (header: PinHeader) => BpfMap): BpfMap {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO is refused below instead of waiting forever for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PinError(code === 'ENOENT' ? `${path}: no such pinned map` : `${path}: cannot open the pinned map: ${code ?? 'error'}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new PinError(`${path}: not a pinned map (not a regular file)`);
    const lines = new LineReader(fd, path);
    const header = readHeader(lines, path);
    const map = open(header);
    const values = PERCPU_TYPES.has(header.spec.type) ? header.cpus : 1;
    const lineMax = header.spec.keySize * 2 + values * (header.spec.valueSize * 2 + 1);
    for (let i = 0; i < header.entries; i++) {
      const line = lines.next(lineMax, `an entry of this map`);
      if (line === undefined) throw new PinError(`${path}: ends after ${i} of the ${header.entries} entries its header declares`);
      if (lines.cut) throw new PinError(`${path}: line ${lines.line} is cut short (no newline at the end of the file)`);
      const [k, v] = readEntry(line, header, path, lines.line);
      try {
        map.updateElem(k, v);
      } catch (e) {
        if (e instanceof MapError) throw new PinError(`${path}: line ${lines.line}: the map refuses the entry: ${e.message}`);
        throw e;
      }
    }
    // A key written twice would be merged without a word, losing an entry the header counts.
    // (An array has every index whatever the file says; indexes a file leaves out read as zeros.)
    let restored = 0;
    for (const _ of pinnedEntries(map)) restored++;
    if (restored < header.entries) {
      throw new PinError(`${path}: its ${header.entries} entries hold ${restored} distinct keys`);
    }
    if (!lines.atEnd()) throw new PinError(`${path}: holds more than the ${header.entries} entries its header declares`);
    if (header.frozen) map.freeze();
    return map;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && (e as NodeJS.ErrnoException).syscall === 'read') throw new PinError(`${path}: cannot read the pinned map: ${code}`);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * libbpf's map_is_reuse_compat: a pinned map is reused only when type, sizes,
 * max_entries and flags all match; otherwise loading fails.
 */
function checkReuse(map: BpfMap, pinned: PinHeader, path: string): void {
  const a = map.spec;
  const b = pinned.spec;
  const same = a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries && a.flags === b.flags;
  if (!same || map.cpus !== pinned.cpus) {
    throw new MapError(EINVAL, `couldn't reuse pinned map at '${path}': parameter mismatch`);
  }
}

/** Fills `map` (empty, or an array) with the map pinned at `path`, which must be compatible, as libbpf reuses a pin. */
export function restorePinned(map: BpfMap, path: string): void {
  readPin(path, (header) => {
    checkReuse(map, header, path);
    return map;
  });
}

/**
 * The map pinned at `path`, re-created with its contents. The spec was written
 * as the map reports it, with the flags its type forces; those are taken off
 * again before creating, as a creation request may not carry them.
 */
export function openPinned(path: string): BpfMap {
  return readPin(path, (h) => createStandaloneMap({ ...h.spec, flags: h.spec.flags & ~forcedFlags(h.spec.type) }, h.cpus));
}
