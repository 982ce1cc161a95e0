import { parseValueFields } from '../btf/fields.js';
import { sourceLine } from '../elf/index.js';
import type { BpfProgram, MapDef, ObjectFile } from '../elf/types.js';
import type { InsnArray } from '../isa/instruction.js';
import { checkBtfFields } from '../maps/record.js';
import type { MapSpec } from '../maps/types.js';
import { BPF_F_RDONLY_PROG, BPF_F_XDP_HAS_FRAGS, BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_XDP_CPUMAP, BPF_XDP_DEVMAP } from '../uapi/bpf.js';
import type { GlobalArg, MapRef, OffloadHooks, Subprog, VerifierInput, VerifierMap, XdpAttach } from '../verifier/index.js';
import type { Btf } from '../btf/btf.js';
import type { BtfType } from '../btf/types.js';
import { isGplCompatible } from './license.js';

/** BTF_FUNC_GLOBAL: a function verified on its own, whatever its callers pass. */
const BTF_FUNC_GLOBAL = 1;

export interface VerifierInputOptions {
  offload: boolean;
  /** The offloading device's verifier hooks, when `offload`. */
  offloadHooks?: OffloadHooks;
  logLevel: 0 | 1 | 2;
}

/**
 * What the kernel knows when it verifies `prog`, as libbpf hands it over:
 * the maps as created (specs, `.rodata` frozen with its contents, spin lock
 * and timer offsets from BTF), which `lddw` loads which map, the attach type
 * and flags the section name implies, the licence, function and line info.
 */
export function verifierInput(object: ObjectFile, prog: BpfProgram, insns: InsnArray, specs: readonly MapSpec[], options: VerifierInputOptions): VerifierInput {
  const maps = object.maps.map((def, i) => verifierMap(object, def, specs[i]!));
  const mapRefs = new Map<number, MapRef>();
  for (const r of prog.relocations) {
    if (r.kind === 'map') mapRefs.set(r.insnIndex, { kind: 'map', map: r.mapIndex });
    else if (r.kind === 'map_value') mapRefs.set(r.insnIndex, { kind: 'map_value', map: r.mapIndex, offset: r.offset });
  }
  const def = prog.sectionDef;
  const attach: XdpAttach = def?.expectedAttachType === BPF_XDP_DEVMAP ? 'devmap' : def?.expectedAttachType === BPF_XDP_CPUMAP ? 'cpumap' : 'xdp';
  const btf = object.btf;
  const subprogNames: Subprog[] = prog.funcInfo.map((fi) => {
    const t = btf?.types[fi.typeId];
    const global = t?.kind === 'func' && t.linkage === BTF_FUNC_GLOBAL && fi.insnIndex !== 0;
    if (!global || !btf) return { start: fi.insnIndex, name: t?.name ?? '', global: false };
    return { start: fi.insnIndex, name: t.name, global, ...globalArgs(btf, t.type) };
  });
  return {
    insns,
    mapRefs,
    maps,
    gpl: isGplCompatible(object.license),
    attach,
    frags: ((def?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0,
    offload: options.offload,
    ...(options.offloadHooks && { offloadHooks: options.offloadHooks }),
    subprogNames,
    sourceLine: (insn) => {
      const line = sourceLine(prog, insn);
      // The kernel names the file without its directories (kbasename).
      return line && `${line.text.trim()} @ ${line.file.slice(line.file.lastIndexOf('/') + 1)}:${line.line}`;
    },
    logLevel: options.logLevel,
  };
}

function verifierMap(object: ObjectFile, def: MapDef, spec: MapSpec): VerifierMap {
  const btf = object.btf;
  const fields = btf && def.btfValueTypeId ? parseValueFields(btf, def.btfValueTypeId, def.valueSize) : undefined;
  const usable = fields !== undefined && checkBtfFields(spec, fields) === 0;
  // A map whose special fields the kernel refuses at creation is created again without BTF, as libbpf retries.
  const hasBtf = btf !== undefined && def.btfValueTypeId !== 0 && (fields === undefined || usable);
  const frozen = def.origin === 'data' && def.sectionName.startsWith('.rodata');
  return {
    name: spec.name,
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    // dev_map_alloc makes device maps read-only to programs: a lookup returns the device's ifindex itself.
    flags: spec.type === BPF_MAP_TYPE_DEVMAP || spec.type === BPF_MAP_TYPE_DEVMAP_HASH ? spec.flags | BPF_F_RDONLY_PROG : spec.flags,
    btf: hasBtf,
    frozen,
    ...(def.data && { data: def.data }),
    ...(usable && fields.spinLockOff >= 0 && { spinLockOff: fields.spinLockOff }),
    ...(usable && fields.timerOff >= 0 && { timerOff: fields.timerOff }),
    ...(def.inner && spec.inner && { inner: verifierMap(object, def.inner, spec.inner) }),
  };
}

/** The context type of XDP programs, which a global function may take a pointer to. */
const XDP_CTX_TYPE = 'xdp_md';

/**
 * btf_prepare_func_args for the prototypes an XDP program's global functions
 * have: integers and enums are any scalar, a pointer to struct xdp_md the
 * context, a pointer to anything of known size memory of that size that may
 * be NULL; the function returns an integer.
 */
function globalArgs(btf: Btf, protoId: number): { args: GlobalArg[] } | { unsupported: string } {
  const proto = btf.types[protoId];
  if (proto?.kind !== 'func_proto') return { unsupported: 'no prototype' };
  const strip = (id: number): BtfType => {
    let t = btf.types[id]!;
    while (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') t = btf.types[t.type]!;
    return t;
  };
  const isScalar = (t: BtfType): boolean => t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64';
  const ret = strip(proto.type);
  if (!isScalar(ret)) return { unsupported: 'doesn\'t return scalar' };
  const args: GlobalArg[] = [];
  for (const [k, param] of proto.params.entries()) {
    const t = strip(param.type);
    if (isScalar(t)) {
      args.push({ kind: 'scalar' });
      continue;
    }
    if (t.kind !== 'ptr') return { unsupported: `arg#${k} type ${t.kind}` };
    const to = strip(t.type);
    if (to.kind === 'struct' && to.name === XDP_CTX_TYPE) {
      args.push({ kind: 'ctx' });
      continue;
    }
    try {
      args.push({ kind: 'mem', size: btf.resolveSize(t.type) });
    } catch {
      return { unsupported: `arg#${k} reference type('${to.kind} ${to.name}') size cannot be determined` };
    }
  }
  return { args };
}
