import { RuntimeError } from './errors.js';

/**
 * The flat memory of one execution context (DESIGN.md, "Memory model"). A
 * pointer is a plain number, an offset into one SharedArrayBuffer, so loads and stores
 * are typed-array accesses. Everything a program may touch — stack frames,
 * context, packet frame, map values — is a named region; an access must fall
 * entirely inside one region, not merely inside the buffer, and the first
 * `GUARD_SIZE` bytes are never mapped so NULL and small offsets from it fault.
 */

export const GUARD_SIZE = 0x1000;

/**
 * Most bytes one memory may take: every address, and the end of every
 * region, stays a positive int32. Helpers read a pointer argument as the
 * low word of its register (signed), and the JIT is to keep addresses in
 * int32 locals; Node itself would go further (an ArrayBuffer past 4 GiB, a
 * typed-array view up to 4 GiB).
 */
export const MAX_MEMORY = 0x7fff_ffff;

/** Regions start on this boundary so 8-byte values never straddle two regions. */
const REGION_ALIGN = 64;

export interface RegionSpec {
  name: string;
  size: number;
  /** Programs may store here. */
  writable: boolean;
  /**
   * Programs may load from here (default true). A region neither readable
   * nor writable is internal: map indexes, ring-buffer positions, scratch.
   * It takes address space like any other, so helpers and user space reach it
   * through the same buffer, but a program's access faults, as the kernel's
   * verifier would refuse it.
   */
  readable?: boolean;
  /**
   * Programs may access only the 8-byte granules `Memory.grant` opened, and
   * then only as `readable` and `writable` allow: a ring buffer's data, where
   * a program owns the samples of the records it reserved and never the
   * headers the consumer trusts (the kernel's verifier bounds a program to
   * its sample). The layout places the permission bitmap, one bit per
   * granule, in an internal region right after this one, so that every
   * thread sharing the memory sees the same grants.
   */
  granular?: boolean;
}

export interface Region extends RegionSpec {
  /** Address of the first byte. */
  start: number;
  /** Address one past the last byte. */
  end: number;
}

/** An access no region covers, or a write to a read-only region. */
export class MemoryAccessError extends RuntimeError {
  constructor(
    insn: number,
    readonly address: number,
    readonly size: number,
    readonly write: boolean,
    detail: string,
  ) {
    super(
      insn,
      `invalid ${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at ${formatAddress(address)} (${detail})`,
    );
    this.name = 'MemoryAccessError';
  }
}

export function formatAddress(address: number): string {
  return Number.isFinite(address) && address >= 0 ? `0x${address.toString(16).padStart(8, '0')}` : String(address);
}

/** Collects region sizes first, so the buffer is allocated once at its final size. */
export class MemoryLayout {
  /** Regions, and gaps (`gap: true`) that take address space but map nothing. */
  private readonly specs: Array<RegionSpec & { gap?: boolean }> = [];

  /** Reserves a region (and the bitmap of a granular one); returns its index, which `Memory.regions` keeps. */
  add(spec: RegionSpec): number {
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) throw new RangeError(`region ${spec.name}: bad size ${spec.size}`);
    this.specs.push(spec);
    if (spec.granular) {
      this.specs.push({ name: `${spec.name}${GRANTS_SUFFIX}`, size: grantWords(spec.size) * 4, writable: false, readable: false });
      this.regionCount++;
      return this.regionCount++ - 1;
    }
    return this.regionCount++;
  }

  private regionCount = 0;

  /** Leaves `size` bytes unmapped here: any access to them faults. */
  reserve(size: number): void {
    this.specs.push({ name: '', size, writable: false, gap: true });
  }

  /** Bytes the memory will take, guard page included. */
  size(): number {
    let next = GUARD_SIZE;
    for (const spec of this.specs) next = alignUp(next + Math.max(spec.size, 1), REGION_ALIGN);
    return next;
  }

  /** Allocates the memory, zeroed, shared so that worker threads can attach to it. */
  build(): Memory {
    const { regions, size } = this.place();
    // Callers check sizes against MAX_MEMORY first (createMap, layoutMaps): past it is our bug.
    if (size > MAX_MEMORY) throw new RangeError(`memory layout of ${size} bytes exceeds MAX_MEMORY`);
    return new Memory(new SharedArrayBuffer(size), regions);
  }

  /**
   * The same layout over a buffer another thread built: a worker repeats the
   * loader's layout and gets the same regions at the same addresses.
   */
  attach(buffer: SharedArrayBuffer): Memory {
    const { regions, size } = this.place();
    if (buffer.byteLength !== size) throw new RangeError(`memory of ${buffer.byteLength} bytes does not match its layout of ${size}`);
    return new Memory(buffer, regions);
  }

  private place(): { regions: Region[]; size: number } {
    const regions: Region[] = [];
    let next = GUARD_SIZE;
    for (const { gap, ...spec } of this.specs) {
      const start = next;
      if (!gap) regions.push({ ...spec, start, end: start + spec.size });
      next = alignUp(start + Math.max(spec.size, 1), REGION_ALIGN);
    }
    return { regions, size: next };
  }
}

const READ = 1;
const WRITE = 2;
/** The region is granular: an access needs its granules granted too. */
const GRANULAR = 4;

/** Name of the internal region after a granular one that holds its permission bitmap. */
const GRANTS_SUFFIX = ':granted';
/** log2 of the bytes one permission bit of a granular region covers. */
const GRANT_SHIFT = 3;

/** Int32 words of the permission bitmap of a granular region of `size` bytes. */
function grantWords(size: number): number {
  return Math.ceil(size / (32 << GRANT_SHIFT));
}

/** log2 of REGION_ALIGN: the granule of the region table. */
const GRANULE_SHIFT = 6;

export class Memory {
  readonly u8: Uint8Array;
  readonly view: DataView;
  /**
   * The buffer as int32 words, for Atomics: locks, counters and the BPF
   * atomic instructions. Regions start 64-byte aligned, so a region's aligned
   * words are `i32[(start + k) >> 2]`.
   */
  readonly i32: Int32Array;
  /** Region bounds as flat arrays: the per-access check reads these without touching objects. */
  private readonly ends: Float64Array;
  /** Per region: bit 0 readable, bit 1 writable, by programs; bit 2 granular. */
  private readonly access: Uint8Array;
  /**
   * `access` of the regions whose every byte it covers, 0 for granular ones:
   * what `check` tests on its fast path, so that ordinary regions never pay
   * for the granule bitmap.
   */
  private readonly plainAccess: Uint8Array;
  /** Per granular region: the int32 index of its permission bitmap's first word (0 for other regions). */
  private readonly grants: Int32Array;
  /**
   * Region index + 1 of every 64-byte granule, 0 where nothing is mapped.
   * Regions start on granule boundaries, so a granule belongs to at most one
   * region and one read finds the region of any address; only the region's
   * end needs a check.
   */
  private readonly granules: Uint16Array | Uint32Array;

  /**
   * `buffer` is shared so that worker threads can build their own Memory over
   * it (same regions, same addresses) and run programs on the same maps.
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly regions: readonly Region[],
  ) {
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    this.ends = Float64Array.from(regions, (r) => r.end);
    this.access = Uint8Array.from(regions, (r) => (r.readable === false ? 0 : READ) | (r.writable ? WRITE : 0) | (r.granular ? GRANULAR : 0));
    this.plainAccess = this.access.map((a) => (a >= GRANULAR ? 0 : a));
    this.grants = Int32Array.from(regions, (r, i) => {
      if (!r.granular) return 0;
      const bitmap = regions[i + 1];
      if (bitmap?.name !== `${r.name}${GRANTS_SUFFIX}` || bitmap.end - bitmap.start < grantWords(r.end - r.start) * 4) {
        throw new RangeError(`granular region ${r.name} has no permission bitmap after it`);
      }
      return bitmap.start >>> 2;
    });
    const count = Math.ceil(buffer.byteLength / REGION_ALIGN);
    this.granules = regions.length < 0xffff ? new Uint16Array(count) : new Uint32Array(count);
    regions.forEach((r, i) => {
      const first = r.start >>> GRANULE_SHIFT;
      const last = Math.max(first, (r.end - 1) >>> GRANULE_SHIFT);
      if (r.end > r.start) this.granules.fill(i + 1, first, last + 1);
    });
  }

  region(name: string): Region {
    const found = this.regions.find((r) => r.name === name);
    if (!found) throw new Error(`no memory region named ${name}`);
    return found;
  }

  /** The region a program may access that holds [address, address + size), or -1. */
  find(address: number, size: number): number {
    if (!(address >= 0)) return -1;
    const i = (this.granules[address >>> GRANULE_SHIFT] ?? 0) - 1;
    if (i < 0 || address + size > this.ends[i]!) return -1;
    const access = this.access[i]!;
    if (access < GRANULAR) return access !== 0 ? i : -1;
    return this.granted(i, address, size) ? i : -1;
  }

  /** Whether every granule of [address, address + size) in granular region `i` is granted. */
  private granted(i: number, address: number, size: number): boolean {
    const start = this.regions[i]!.start;
    const bitmap = this.grants[i]!;
    const last = (address + size - 1 - start) >> GRANT_SHIFT;
    for (let g = (address - start) >> GRANT_SHIFT; g <= last; g++) {
      if ((this.i32[bitmap + (g >>> 5)]! & (1 << (g & 31))) === 0) return false;
    }
    return true;
  }

  /**
   * Opens to programs every 8-byte granule that [address, address + size)
   * touches in a granular region (within what the region's readable and
   * writable allow). Atomic per bitmap word: threads grant neighbouring
   * granules at once.
   */
  grant(address: number, size: number): void {
    this.setGrants(address, size, true);
  }

  /** Closes to programs every granule that [address, address + size) touches in a granular region. */
  revoke(address: number, size: number): void {
    this.setGrants(address, size, false);
  }

  private setGrants(address: number, size: number, open: boolean): void {
    if (size <= 0) return;
    const i = address >= 0 ? (this.granules[address >>> GRANULE_SHIFT] ?? 0) - 1 : -1;
    if (i < 0 || (this.access[i]! & GRANULAR) === 0 || address + size > this.ends[i]!) {
      throw new RangeError(`[${formatAddress(address)}, +${size}) is not inside a granular region`);
    }
    const start = this.regions[i]!.start;
    const bitmap = this.grants[i]!;
    const last = (address + size - 1 - start) >> GRANT_SHIFT;
    for (let g = (address - start) >> GRANT_SHIFT; g <= last; ) {
      const top = Math.min(last, g | 31);
      const count = top - g + 1;
      const bits = count === 32 ? -1 : ((1 << count) - 1) << (g & 31);
      if (open) Atomics.or(this.i32, bitmap + (g >>> 5), bits);
      else Atomics.and(this.i32, bitmap + (g >>> 5), ~bits);
      g = top + 1;
    }
  }

  /**
   * Throws unless [address, address + size) lies in one region that allows a
   * program the access. `insn` names the instruction in the error.
   */
  check(address: number, size: number, write: boolean, insn: number): void {
    // The path every load and store of a program takes: one granule read, one bound, one permission test.
    const i = address >= 0 ? (this.granules[address >>> GRANULE_SHIFT] ?? 0) - 1 : -1;
    if (i >= 0 && address + size <= this.ends[i]! && (this.plainAccess[i]! & (write ? WRITE : READ)) !== 0) return;
    this.checkSlowly(address, size, write, insn);
  }

  /** The rest of `check`: granted bytes of a granular region pass; anything else throws, saying why. */
  private checkSlowly(address: number, size: number, write: boolean, insn: number): void {
    const i = this.find(address, size);
    if (i >= 0 && (this.access[i]! & (write ? WRITE : READ)) !== 0) return;
    if (i < 0) throw new MemoryAccessError(insn, address, size, write, this.describe(address, size));
    const name = this.regions[i]!.name;
    throw new MemoryAccessError(insn, address, size, write, `region ${name} is ${write ? 'read-only' : 'write-only'} for programs`);
  }

  /** Why an address is not accessible, for error messages. */
  private describe(address: number, size: number): string {
    if (address < GUARD_SIZE && address >= 0) return 'NULL page';
    const inside = this.regions.find((r) => address >= r.start && address < r.end);
    if (inside && inside.readable === false && !inside.writable) return `region ${inside.name} is internal, out of programs' reach`;
    if (inside?.granular && address + size <= inside.end) {
      return `region ${inside.name} opens to programs only the bytes granted them (a ring buffer: the samples of reserved records), not these`;
    }
    if (inside) return `crosses the end of region ${inside.name} [${formatAddress(inside.start)}, ${formatAddress(inside.end)})`;
    const near = this.regions.find((r) => address >= r.start - 64 && address < r.end + 64);
    return near ? `outside region ${near.name} [${formatAddress(near.start)}, ${formatAddress(near.end)})` : 'unmapped';
  }
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
