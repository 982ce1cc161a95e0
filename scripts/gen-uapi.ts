// Writes src/uapi/: the kernel's numbers xdpsim shares with user space (helper
// ids, map types and flags, program and attach types, program flags, XDP
// actions and attach flags, helpers' flags and return codes, errnos,
// Ethertypes, IP protocol numbers, clock ids, routing table ids), read from
// the kernel's headers, as cilium/ebpf generates its asm constants, so that
// none of them is typed by hand.
//
// Sources, in order:
//   1. the UAPI headers under INCLUDE (default /usr/include): linux/bpf.h,
//      linux/if_link.h, linux/if_ether.h, linux/in.h, linux/in6.h,
//      linux/time.h, linux/rtnetlink.h, asm-generic/errno-base.h and
//      asm-generic/errno.h;
//   2. the running kernel's BTF, read with bpftool, for what linux/bpf.h lists
//      too but the header predates (Debian 12's 6.1 header stops at helper 209
//      and map type 31 and has no timer flags, kernel 6.18 has 211 and 33),
//      and for enum bpf_dynptr_type, which is the kernel's own. Where both name
//      a value they must agree;
//   3. a few kernel-internal numbers user space meets anyway (ENOTSUPP, the
//      access flags' mask, the kmalloc limit), which no installed header has:
//      KERNEL_INTERNAL below, each with where the kernel defines it.
//
// Each file's first line records its sources: the headers' paths and version
// and the release of the kernel whose BTF was read, so that
// test/uapi/generated.test.ts knows when this machine would generate the
// same bytes and when it can only check the names the local headers define.
//
// Run from the repository root:
//   npm run gen:uapi [-- INCLUDE]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

interface Entry {
  name: string;
  value: number;
}

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** The value of an enumerator's or a #define's initializer: a literal, `(1U << n)`, an earlier name, or an OR of those. */
function evaluate(expr: string, known: ReadonlyMap<string, number>): number {
  const e = expr.trim().replace(/^\((.*)\)$/, '$1').trim();
  if (e.includes('|')) return e.split('|').reduce((acc, term) => acc | evaluate(term, known), 0);
  const literal = /^(0x[0-9a-f]+|\d+)u?l{0,2}$/i.exec(e);
  if (literal) return Number(literal[1]);
  const shift = /^(0x[0-9a-f]+|\d+)u?l{0,2}\s*<<\s*(\d+)$/i.exec(e);
  if (shift) return Number(shift[1]) * 2 ** Number(shift[2]);
  const value = known.get(e);
  if (value === undefined) throw new Error(`cannot evaluate '${expr}'`);
  return value;
}

/**
 * The enumerators of a C enum body, with C's implicit numbering; names
 * starting with `__` (counts, not values) are left out. Lenient, an
 * enumerator whose initializer is no number this script can evaluate is left
 * out with those numbered after it, instead of failing.
 */
function enumerators(body: string, known = new Map<string, number>(), lenient = false): Entry[] {
  const out: Entry[] = [];
  let next: number | undefined = 0;
  for (const item of stripComments(body).replace(/^[ \t]*#[^\n]*$/gm, '').split(',')) {
    const m = /^\s*(\w+)\s*(?:=\s*([\s\S]+?))?\s*$/.exec(item);
    if (!m) continue;
    let value: number | undefined;
    try {
      value = m[2] === undefined ? next : evaluate(m[2], known);
    } catch (error) {
      if (!lenient) throw error;
    }
    next = value === undefined ? undefined : value + 1;
    if (value === undefined) continue;
    known.set(m[1]!, value);
    if (!m[1]!.startsWith('__')) out.push({ name: m[1]!, value });
  }
  return out;
}

/** The body of `enum NAME { ... }`, or of the anonymous enum that has `member`, in C source (a header or bpftool's BTF dump). */
function enumBody(text: string, which: { name: string } | { member: string }): string | undefined {
  for (const m of text.matchAll(/enum\s*(\w*)\s*\{([^}]*)\}/g)) {
    if ('name' in which ? m[1] === which.name : m[1] === '' && new RegExp(`\\b${which.member}\\b`).test(stripComments(m[2]!))) return m[2]!;
  }
  return undefined;
}

/**
 * An enum of linux/bpf.h as the header has it, extended with what the
 * running kernel's BTF has beyond it (or wholly the BTF's, for an enum the
 * header predates or the kernel keeps to itself); both must agree where both
 * have a name.
 */
function bpfEnum(header: string, kernel: KernelBtf | undefined, which: { name: string } | { member: string }): Entry[] {
  const what = 'name' in which ? `enum ${which.name}` : `the enum of ${which.member}`;
  const body = enumBody(header, which);
  const kernelBody = kernel === undefined ? undefined : enumBody(kernel.types, which);
  if (body === undefined && kernelBody === undefined) {
    throw new Error(`linux/bpf.h has no ${what}${kernel === undefined ? ", and the running kernel's BTF cannot be read (bpftool, /sys/kernel/btf/vmlinux)" : ', nor has the kernel'}`);
  }
  const entries = body === undefined ? [] : enumerators(body);
  if (kernelBody === undefined) return entries;
  const inHeader = new Map(entries.map((e) => [e.name, e.value]));
  const added = enumerators(kernelBody).filter((e) => {
    const value = inHeader.get(e.name);
    if (value !== undefined && value !== e.value) throw new Error(`${what}: ${e.name} is ${value} in the header, ${e.value} in the kernel`);
    return value === undefined;
  });
  // what the kernel adds takes its place by value; an enum it adds nothing to keeps the header's order
  return added.length === 0 ? entries : [...entries, ...added].sort((a, b) => a.value - b.value);
}

/** Helper names by id from the header's __BPF_FUNC_MAPPER, in either form the kernel has used (`FN(name)` counted from 0 before 6.2, `FN(name, id, ##ctx)` since). */
function helperNames(header: string): string[] {
  const start = header.indexOf('#define ___BPF_FUNC_MAPPER') >= 0 ? header.indexOf('#define ___BPF_FUNC_MAPPER') : header.indexOf('#define __BPF_FUNC_MAPPER');
  if (start < 0) throw new Error('no __BPF_FUNC_MAPPER in linux/bpf.h');
  const names: string[] = [];
  for (const line of header.slice(start).split('\n').slice(1)) {
    const m = /^\s*FN\((\w+)(?:,\s*(\d+))?/.exec(line);
    if (m) {
      const id = m[2] === undefined ? names.length : Number(m[2]);
      if (id !== names.length) throw new Error(`linux/bpf.h: ${m[1]} has id ${id}, expected ${names.length}`);
      names.push(m[1]!);
    }
    if (!line.trimEnd().endsWith('\\')) break;
  }
  if (names[0] !== 'unspec') throw new Error('linux/bpf.h: the helper mapper does not start with unspec');
  return names;
}

/** The running kernel's types as C (bpftool's BTF dump), and its release. */
export interface KernelBtf {
  release: string;
  types: string;
}

/** The running kernel's BTF, or undefined where it cannot be read (no /sys/kernel/btf/vmlinux, no bpftool). */
export function readKernelBtf(): KernelBtf | undefined {
  if (!existsSync('/sys/kernel/btf/vmlinux')) return undefined;
  try {
    const types = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { release: release(), types };
  } catch {
    return undefined;
  }
}

/** The errnos an errno header defines, in order; a value may name an earlier errno (an alias). */
function errnoDefines(text: string, known: Map<string, number>): Entry[] {
  return cDefines(text)
    .filter((d) => /^E[A-Z0-9]+$/.test(d.name))
    .map(({ name, expr }) => {
      const value = evaluate(expr, known);
      known.set(name, value);
      return { name, value };
    });
}

interface Define {
  name: string;
  expr: string;
}

/** A header's object-like `#define NAME VALUE`s, in order, continuation lines joined; function-like macros are left out. */
function cDefines(text: string): Define[] {
  const joined = stripComments(text.replace(/\\\n/g, ' '));
  return [...joined.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(\S[^\n]*?)[ \t]*$/gm)].map((m) => ({ name: m[1]!, expr: m[2]! }));
}

/** The numbers a header's #defines give, by name; one whose value is no number (a type, an enumerator, a macro call) is left out. */
export function defineValues(text: string): Map<string, number> {
  const known = new Map<string, number>();
  for (const d of cDefines(text)) {
    try {
      known.set(d.name, evaluate(d.expr, known));
    } catch {
      // not a number this script can evaluate: no constant
    }
  }
  return known;
}

/**
 * The flags of one field, from the #define of `first` on: a field's flags
 * number their bits up from 0 in the order the header lists them, and the
 * next field's flags start again at bit 0, so the run ends there.
 */
function flagRun(text: string, first: string, what: string): Entry[] {
  const all = cDefines(text);
  const start = all.findIndex((d) => d.name === first);
  if (start < 0) throw new Error(`${what}: no #define ${first}`);
  const out: Entry[] = [];
  for (const d of all.slice(start)) {
    const bit = /^\(?\s*1U?\s*<<\s*(\d+)\s*\)?$/.exec(d.expr);
    if (!bit || Number(bit[1]) !== out.length) break;
    out.push({ name: d.name, value: 2 ** out.length });
  }
  return out;
}

/** A #define's value as TypeScript: `A | B` for an OR of names `known` has, else the number (`1 << n` for a bit). */
function defineSource(expr: string, known: ReadonlyMap<string, number>): string {
  const terms = expr.trim().replace(/^\((.*)\)$/, '$1').split('|').map((t) => t.trim());
  if (terms.length > 1 && terms.every((t) => known.has(t))) return terms.join(' | ');
  return literal(evaluate(expr, known), true);
}

/**
 * Numbers of the kernel's own headers, not of the UAPI ones, that user space
 * meets all the same; typed here once, with where each is defined.
 */
const KERNEL_INTERNAL = {
  ENOTSUPP: { value: 524, doc: 'ENOTSUPP, of include/linux/errno.h (not UAPI): what the kernel returns for an operation a map or helper does not support.' },
  PAGE_SHIFT: { value: 12, doc: 'PAGE_SHIFT, of arch/x86/include/asm/page_types.h.' },
  MAX_PAGE_ORDER: { value: 10, doc: 'MAX_PAGE_ORDER, of include/linux/mmzone.h: the default of CONFIG_ARCH_FORCE_MAX_ORDER.' },
} as const;

/** What a generated file was made from, as its first line records it. */
export interface Sources {
  /** The headers read, by path. */
  headers: string[];
  /** Their version (linux/version.h), where they have one. */
  linux?: string;
  /** The release of the kernel whose BTF was read. */
  kernel?: string;
  /** What the BTF gave, where that is worth saying. */
  fromKernel?: string;
}

const GENERATED = /^\/\/ Code generated by scripts\/gen-uapi\.ts from (.+?)(?: of Linux (\S+))?(?: and the BTF of kernel (\S+?)(?: \((.+)\))?)?\. DO NOT EDIT\.$/;

const header = (s: Sources): string =>
  `// Code generated by scripts/gen-uapi.ts from ${s.headers.join(', ')}${s.linux === undefined ? '' : ` of Linux ${s.linux}`}` +
  `${s.kernel === undefined ? '' : ` and the BTF of kernel ${s.kernel}${s.fromKernel === undefined ? '' : ` (${s.fromKernel})`}`}. DO NOT EDIT.`;

/** The sources a generated file's first line records, or undefined if the line is no generator's. */
export function recordedSources(firstLine: string): Sources | undefined {
  const m = GENERATED.exec(firstLine);
  if (!m) return undefined;
  return {
    headers: m[1]!.split(', ').filter((path) => path.endsWith('.h')),
    ...(m[2] === undefined ? {} : { linux: m[2] }),
    ...(m[3] === undefined ? {} : { kernel: m[3] }),
    ...(m[4] === undefined ? {} : { fromKernel: m[4] }),
  };
}

/** The version of the headers under `include`, as linux/version.h gives it. */
export function headersVersion(include: string): string | undefined {
  const path = `${include}/linux/version.h`;
  if (!existsSync(path)) return undefined;
  const v = defineValues(readFileSync(path, 'utf8'));
  const [major, minor, sub] = ['LINUX_VERSION_MAJOR', 'LINUX_VERSION_PATCHLEVEL', 'LINUX_VERSION_SUBLEVEL'].map((n) => v.get(n));
  if (major !== undefined && minor !== undefined && sub !== undefined) return `${major}.${minor}.${sub}`;
  const code = v.get('LINUX_VERSION_CODE');
  return code === undefined ? undefined : `${code >> 16}.${(code >> 8) & 0xff}.${code & 0xff}`;
}

/** A value as TypeScript: a bit of a flags group as `1 << n` where JavaScript's shift gives it, a large one in hex. */
function literal(v: number, bits: boolean): string {
  if (bits && v > 0 && v < 2 ** 31 && (v & (v - 1)) === 0) return `1 << ${Math.log2(v)}`;
  return v > 0xffff ? `0x${v.toString(16)}` : String(v);
}

/** An enum of linux/bpf.h (see bpfEnum) as `// title` and its constants. */
function bpfGroup(bpfH: string, kernel: KernelBtf | undefined, which: { name: string } | { member: string }, title: string, bits: boolean): string[] {
  return [`// ${title}`, ...bpfEnum(bpfH, kernel, which).map((e) => `export const ${e.name} = ${literal(e.value, bits)};`), ''];
}

/** The name each value has first: aliases (EWOULDBLOCK, the _DEPRECATED map types) do not take it. */
function namesByValue(entries: readonly Entry[], name: (e: Entry) => string): string[] {
  const seen = new Map<number, string>();
  for (const e of entries) if (!seen.has(e.value) && !e.name.endsWith('_DEPRECATED')) seen.set(e.value, name(e));
  return [...seen].sort((a, b) => a[0] - b[0]).map(([value, n]) => `  ${value}: '${n}',`);
}

function bpfFile(bpfH: string, kernel: KernelBtf | undefined, sources: Sources): GeneratedFile {
  const mapTypes = bpfEnum(bpfH, kernel, { name: 'bpf_map_type' });
  const updateFlags = bpfEnum(bpfH, kernel, { member: 'BPF_NOEXIST' });
  const mapFlags = bpfEnum(bpfH, kernel, { member: 'BPF_F_NO_PREALLOC' });
  const access = ['BPF_F_RDONLY', 'BPF_F_WRONLY', 'BPF_F_RDONLY_PROG', 'BPF_F_WRONLY_PROG'];
  for (const name of access) if (!mapFlags.some((e) => e.name === name)) throw new Error(`linux/bpf.h: no map flag ${name}`);
  const progTypes = bpfEnum(bpfH, kernel, { name: 'bpf_prog_type' });
  const attachTypes = bpfEnum(bpfH, kernel, { name: 'bpf_attach_type' });
  const progFlags = flagRun(bpfH, 'BPF_F_STRICT_ALIGNMENT', 'linux/bpf.h');
  const actions = bpfEnum(bpfH, kernel, { name: 'xdp_action' });
  actions.forEach((e, i) => {
    if (e.value !== i) throw new Error(`linux/bpf.h: ${e.name} is ${e.value}, expected ${i}: the XDP actions are no longer numbered 0, 1, ...`);
  });
  const headroom = defineValues(bpfH).get('XDP_PACKET_HEADROOM');
  if (headroom === undefined) throw new Error('linux/bpf.h: no XDP_PACKET_HEADROOM');
  const lines = [
    header(sources),
    '',
    '// enum bpf_map_type',
    ...mapTypes.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '/** Map type names as bpftool and libbpf print them (`bpftool map show`), by type. */',
    'export const MAP_TYPE_NAMES: Readonly<Record<number, string>> = {',
    ...namesByValue(
      mapTypes.filter((e) => e.value !== 0),
      (e) => e.name.slice('BPF_MAP_TYPE_'.length).toLowerCase(),
    ),
    '};',
    '',
    '// BPF_MAP_UPDATE_ELEM flags',
    ...updateFlags.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '// BPF_MAP_CREATE flags',
    ...mapFlags.map((e) => `export const ${e.name} = ${literal(e.value, true)};`),
    '/** BPF_F_ACCESS_MASK, of include/linux/bpf.h (not UAPI): who may read and write a map, from user space or programs. */',
    `export const BPF_F_ACCESS_MASK = ${access.join(' | ')};`,
    '',
    '// enum bpf_prog_type',
    ...progTypes.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '// enum bpf_attach_type',
    ...attachTypes.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '// BPF_PROG_LOAD flags',
    ...progFlags.map((e) => `export const ${e.name} = ${literal(e.value, true)};`),
    '',
    '// enum xdp_action',
    ...actions.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '/** XDP action names without the `XDP_` prefix, indexed by action. */',
    `export const XDP_ACTION_NAMES = [${actions.map((e) => `'${e.name.slice('XDP_'.length)}'`).join(', ')}] as const;`,
    '',
    '/** The headroom drivers and BPF_PROG_TEST_RUN reserve before an XDP packet. */',
    `export const XDP_PACKET_HEADROOM = ${headroom};`,
    '',
    ...bpfGroup(bpfH, kernel, { member: 'BPF_F_CURRENT_CPU' }, 'bpf_perf_event_output, bpf_perf_event_read and bpf_perf_event_read_value flags', false),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_RB_NO_WAKEUP' }, 'bpf_ringbuf_output, bpf_ringbuf_submit and bpf_ringbuf_discard flags', true),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_RB_AVAIL_DATA' }, 'bpf_ringbuf_query flags', false),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_RINGBUF_BUSY_BIT' }, 'BPF ring buffer record header', false),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_F_BROADCAST' }, 'bpf_redirect and bpf_redirect_map flags', true),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_FIB_LOOKUP_DIRECT' }, 'bpf_fib_lookup flags', true),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_FIB_LKUP_RET_SUCCESS' }, 'bpf_fib_lookup results', false),
    ...bpfGroup(bpfH, kernel, { name: 'bpf_check_mtu_flags' }, 'enum bpf_check_mtu_flags', true),
    ...bpfGroup(bpfH, kernel, { name: 'bpf_check_mtu_ret' }, 'enum bpf_check_mtu_ret', false),
    ...bpfGroup(bpfH, kernel, { member: 'BPF_F_TIMER_ABS' }, 'bpf_timer_start flags', true),
    ...bpfGroup(
      '',
      kernel,
      { name: 'bpf_dynptr_type' },
      'enum bpf_dynptr_type, of include/linux/bpf.h (not UAPI), from the BTF only: what memory a struct bpf_dynptr points to',
      false,
    ),
  ];
  return { path: 'src/uapi/bpf.ts', text: lines.join('\n') };
}

function funcIdsFile(bpfH: string, kernel: KernelBtf | undefined, sources: Sources): GeneratedFile {
  const names = helperNames(bpfH);
  const headerCount = names.length;
  const kernelBody = kernel === undefined ? undefined : enumBody(kernel.types, { name: 'bpf_func_id' });
  if (kernelBody !== undefined) {
    for (const e of enumerators(kernelBody)) {
      const name = e.name.slice('BPF_FUNC_'.length);
      if (e.value < headerCount && names[e.value] !== name) throw new Error(`helper ${e.value}: the header says ${names[e.value]}, the kernel ${name}`);
      if (e.value >= headerCount) names[e.value] = name;
    }
    for (let id = 0; id < names.length; id++) if (names[id] === undefined) throw new Error(`the kernel's BTF has no helper ${id}`);
  }
  const lines = [
    header(names.length > headerCount ? { ...sources, fromKernel: `ids ${headerCount}-${names.length - 1}` } : sources),
    '',
    '// enum bpf_func_id',
    ...names.map((name, id) => `export const BPF_FUNC_${name} = ${id};`),
    '',
    '/** Helper names without the `bpf_` prefix, indexed by id. */',
    'export const BPF_FUNC_NAMES: readonly string[] = [',
    ...names.map((name) => `  '${name}',`),
    '];',
    '',
  ];
  return { path: 'src/uapi/func-ids.ts', text: lines.join('\n') };
}

function ifLinkFile(ifLinkH: string, sources: Sources): GeneratedFile {
  const known = new Map<string, number>();
  const flags = cDefines(ifLinkH)
    .filter((d) => d.name.startsWith('XDP_FLAGS_'))
    .map((d) => {
      const line = `export const ${d.name} = ${defineSource(d.expr, known)};`;
      known.set(d.name, evaluate(d.expr, known));
      return line;
    });
  if (!known.has('XDP_FLAGS_MASK')) throw new Error('linux/if_link.h: no XDP_FLAGS_MASK');
  const body = enumBody(ifLinkH, { member: 'XDP_ATTACHED_NONE' });
  if (body === undefined) throw new Error('linux/if_link.h: no enum of XDP_ATTACHED_NONE');
  const lines = [
    header(sources),
    '',
    '// XDP flags of IFLA_XDP_FLAGS and bpf_link_create',
    ...flags,
    '',
    '// IFLA_XDP_ATTACHED: how a device runs its XDP program',
    ...enumerators(body).map((e) => `export const ${e.name} = ${e.value};`),
    '',
  ];
  return { path: 'src/uapi/if-link.ts', text: lines.join('\n') };
}

function errnoFile(base: string, rest: string, sources: Sources): GeneratedFile {
  const known = new Map<string, number>();
  const errnos = [...errnoDefines(base, known), ...errnoDefines(rest, known)];
  const { ENOTSUPP } = KERNEL_INTERNAL;
  errnos.push({ name: 'ENOTSUPP', value: ENOTSUPP.value });
  const lines = [
    header(sources),
    '',
    ...errnos.map((e) => (e.name === 'ENOTSUPP' ? `/** ${ENOTSUPP.doc} */\n` : '') + `export const ${e.name} = ${e.value};`),
    '',
    '/** Errno names by number; an alias (EWOULDBLOCK, EDEADLOCK) gives way to the name defined first. */',
    'export const ERRNO_NAMES: Readonly<Record<number, string>> = {',
    ...namesByValue(errnos, (e) => e.name),
    '};',
    '',
  ];
  return { path: 'src/uapi/errno.ts', text: lines.join('\n') };
}

function limitsFile(): GeneratedFile {
  const { PAGE_SHIFT, MAX_PAGE_ORDER } = KERNEL_INTERNAL;
  const lines = [
    '// Code generated by scripts/gen-uapi.ts from the kernel-internal numbers it keeps, for x86-64. DO NOT EDIT.',
    '',
    `/** ${PAGE_SHIFT.doc} */`,
    `export const PAGE_SHIFT = ${PAGE_SHIFT.value};`,
    'export const PAGE_SIZE = 1 << PAGE_SHIFT;',
    `/** ${MAX_PAGE_ORDER.doc} */`,
    `export const MAX_PAGE_ORDER = ${MAX_PAGE_ORDER.value};`,
    '/** KMALLOC_MAX_SIZE, of include/linux/slab.h: the largest single kmalloc, which bounds map values and sections. */',
    'export const KMALLOC_MAX_SIZE = PAGE_SIZE << MAX_PAGE_ORDER;',
    '',
  ];
  return { path: 'src/uapi/limits.ts', text: lines.join('\n') };
}

/** The object-like #defines of a header whose names `pick` accepts, each a number. */
function pickDefines(text: string, what: string, pick: (name: string) => boolean): Entry[] {
  const known = new Map<string, number>();
  const out = cDefines(text)
    .filter((d) => pick(d.name))
    .map(({ name, expr }) => {
      const value = evaluate(expr, known);
      known.set(name, value);
      return { name, value };
    });
  if (out.length === 0) throw new Error(`${what}: none of the #defines looked for`);
  return out;
}

function ifEtherFile(ifEtherH: string, sources: Sources): GeneratedFile {
  const defines = pickDefines(ifEtherH, 'linux/if_ether.h', (name) => name.startsWith('ETH_'));
  const lengths = defines.filter((e) => !e.name.startsWith('ETH_P_'));
  const types = defines.filter((e) => e.name.startsWith('ETH_P_'));
  const lines = [
    header(sources),
    '',
    '// Lengths of an Ethernet frame and its parts, in octets',
    ...lengths.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '// Ethertypes, and the kernel\'s protocol numbers below ETH_P_802_3_MIN for frames without one',
    ...types.map((e) => `export const ${e.name} = 0x${e.value.toString(16).padStart(4, '0')};`),
    '',
  ];
  return { path: 'src/uapi/if-ether.ts', text: lines.join('\n') };
}

function timeFile(timeH: string, sources: Sources): GeneratedFile {
  const clocks = pickDefines(timeH, 'linux/time.h', (name) => name.startsWith('CLOCK_') || name === 'MAX_CLOCKS');
  const lines = [header(sources), '', '// clockid_t values, and how many there can be', ...clocks.map((e) => `export const ${e.name} = ${e.value};`), ''];
  return { path: 'src/uapi/time.ts', text: lines.join('\n') };
}

function inFile(inH: string, in6H: string, sources: Sources): GeneratedFile {
  const body = enumBody(inH, { member: 'IPPROTO_TCP' });
  if (body === undefined) throw new Error('linux/in.h: no enum of IPPROTO_TCP');
  const v4 = enumerators(body).filter((e) => e.name !== 'IPPROTO_MAX');
  const v6 = pickDefines(in6H, 'linux/in6.h', (name) => name.startsWith('IPPROTO_'));
  const lines = [
    header(sources),
    '',
    '// IP protocol numbers (linux/in.h)',
    ...v4.map((e) => `export const ${e.name} = ${e.value};`),
    '',
    '// IPv6 extension headers and ICMPv6 (linux/in6.h)',
    ...v6.map((e) => `export const ${e.name} = ${e.value};`),
    '',
  ];
  return { path: 'src/uapi/in.ts', text: lines.join('\n') };
}

function rtnetlinkFile(rtnetlinkH: string, sources: Sources): GeneratedFile {
  const body = enumBody(rtnetlinkH, { name: 'rt_class_t' });
  if (body === undefined) throw new Error('linux/rtnetlink.h: no enum rt_class_t');
  const lines = [
    header(sources),
    '',
    '// enum rt_class_t: the routing tables the kernel reserves',
    ...enumerators(body).map((e) => `export const ${e.name} = ${literal(e.value, false)};`),
    '',
  ];
  return { path: 'src/uapi/rtnetlink.ts', text: lines.join('\n') };
}

/**
 * Every number a header defines, by name: its #defines, the enumerators of
 * all its enums and, for linux/bpf.h, the helper ids as `BPF_FUNC_name`.
 * What test/uapi/generated.test.ts holds the committed files to where it
 * cannot generate them.
 */
export function headerNumbers(text: string): Map<string, number> {
  const known = defineValues(text);
  for (const m of text.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) enumerators(m[1]!, known, true);
  if (text.includes('__BPF_FUNC_MAPPER')) helperNames(text).forEach((name, id) => known.set(`BPF_FUNC_${name}`, id));
  return known;
}

/**
 * Every file of src/uapi/ as the headers under `include` and the running
 * kernel's BTF (`kernel`, where it can be read) give it.
 */
export function generateUapi(include = '/usr/include', kernel = readKernelBtf()): GeneratedFile[] {
  const linux = headersVersion(include);
  const from = (...headers: string[]): Sources => ({ headers: headers.map((h) => `${include}/${h}`), ...(linux === undefined ? {} : { linux }) });
  const withBtf = (s: Sources): Sources => (kernel === undefined ? s : { ...s, kernel: kernel.release });
  const read = (h: string): string => readFileSync(`${include}/${h}`, 'utf8');
  const bpfH = read('linux/bpf.h');
  return [
    bpfFile(bpfH, kernel, withBtf(from('linux/bpf.h'))),
    funcIdsFile(bpfH, kernel, withBtf(from('linux/bpf.h'))),
    ifLinkFile(read('linux/if_link.h'), from('linux/if_link.h')),
    ifEtherFile(read('linux/if_ether.h'), from('linux/if_ether.h')),
    timeFile(read('linux/time.h'), from('linux/time.h')),
    inFile(read('linux/in.h'), read('linux/in6.h'), from('linux/in.h', 'linux/in6.h')),
    rtnetlinkFile(read('linux/rtnetlink.h'), from('linux/rtnetlink.h')),
    errnoFile(read('asm-generic/errno-base.h'), read('asm-generic/errno.h'), from('asm-generic/errno-base.h', 'asm-generic/errno.h')),
    limitsFile(),
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of generateUapi(process.argv[2])) {
    writeFileSync(resolve(file.path), file.text);
    console.log(`wrote ${file.path}`);
  }
}
