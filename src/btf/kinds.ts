import type { BtfKind } from './types.js';

/** BTF_KIND_* numbers from include/uapi/linux/btf.h, indexed by kind value. */
export const BTF_KINDS: readonly BtfKind[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef',
  'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec',
  'float', 'decl_tag', 'type_tag', 'enum64',
];

/** Kinds that only qualify another type; skipped when looking for the underlying type. */
export function isModifier(kind: BtfKind): boolean {
  return kind === 'volatile' || kind === 'const' || kind === 'restrict' || kind === 'type_tag';
}
