import { BPF_REG_FP } from '../isa/opcodes.js';
import { RegType, type RegState } from './reg.js';
import type { FuncState } from './state.js';
import type { Verifier } from './verifier.js';

/** check_reg_arg(SRC_OP): the register must hold something. */
export function readReg(v: Verifier, f: FuncState, regno: number): RegState {
  if (regno > BPF_REG_FP) v.fail(`R${regno} is invalid`, 'EINVAL');
  const reg = f.regs[regno]!;
  if (reg.type === RegType.NOT_INIT) v.fail(`R${regno} !read_ok`);
  return reg;
}

/** check_reg_arg(DST_OP): any register but the frame pointer may be written. */
export function writeReg(v: Verifier, regno: number): void {
  if (regno > BPF_REG_FP) v.fail(`R${regno} is invalid`, 'EINVAL');
  if (regno === BPF_REG_FP) v.fail('frame pointer is read only');
}
