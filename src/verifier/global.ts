import { HELPER_PROTOS } from '../helpers/protos.js';
import { BPF_CALL, BPF_CLASS, BPF_JMP, BPF_OP } from '../isa/opcodes.js';
import { clearPacketPointers, helperMem } from './call.js';
import type { Subprog } from './env.js';
import { VerifierError } from './errors.js';
import { RegType } from './reg.js';
import { FuncState, VerifierState } from './state.js';
import type { Verifier } from './verifier.js';

/**
 * A call to a global function (check_func_call for one): the callee is not
 * walked with the caller's registers but verified once on its own, for any
 * arguments its BTF prototype allows; here the caller's arguments must
 * match that prototype, and the call returns an unknown scalar.
 */
export function callGlobal(v: Verifier, st: VerifierState, k: number, sub: Subprog, end: number): void {
  const name = `func#${k} ('${sub.name}')`;
  const refuse = (why?: string): never => {
    if (why !== undefined) v.log.push(why);
    return v.fail(`Caller passes invalid args into ${name}`, 'EINVAL');
  };
  if (sub.unsupported !== undefined || sub.args === undefined) refuse(sub.unsupported);
  const f = st.cur;
  sub.args!.forEach((arg, j) => {
    const regno = j + 1;
    const reg = f.regs[regno]!;
    if (reg.type === RegType.NOT_INIT) refuse(`R${regno} !read_ok`);
    if (arg.kind === 'scalar') {
      if (reg.type !== RegType.SCALAR_VALUE) refuse(`R${regno} is not a scalar`);
    } else if (arg.kind === 'ctx') {
      if (reg.type !== RegType.PTR_TO_CTX) refuse(`arg#${j} expects pointer to ctx`);
    } else if (!reg.isKnownZero) {
      // check_mem_reg: the memory must take a read and a write of the whole size, NULL or not.
      const maybeNull = reg.maybeNull;
      reg.maybeNull = false;
      try {
        helperMem(v, st, regno, BigInt(arg.size), 'read', true, false);
        helperMem(v, st, regno, BigInt(arg.size), 'write', true, false);
      } catch (e) {
        if (!(e instanceof VerifierError)) throw e;
        refuse(e.reason);
      } finally {
        reg.maybeNull = maybeNull;
      }
    }
  });
  v.log.push(`Func#${k} ('${sub.name}') is global and assumed valid.`);
  for (let r = 1; r <= 5; r++) f.regs[r]!.markNotInit();
  f.regs[0]!.markUnknown();
  if (changesPacketData(v, sub.start, end)) clearPacketPointers(st);
}

/** The state a global function is verified from: its arguments as its prototype says, R10 its own stack. */
export function globalEntryState(v: Verifier, k: number, sub: Subprog): VerifierState {
  const st = new VerifierState();
  const f = new FuncState(0, -1, k);
  sub.args?.forEach((arg, j) => {
    const reg = f.regs[j + 1]!;
    if (arg.kind === 'scalar') reg.markUnknown();
    else if (arg.kind === 'ctx') reg.markPointer(RegType.PTR_TO_CTX);
    else {
      reg.markPointer(RegType.PTR_TO_MEM);
      reg.memSize = arg.size;
      reg.maybeNull = true;
      reg.id = v.newId();
    }
  });
  f.regs[10]!.markPointer(RegType.PTR_TO_STACK);
  st.frames.push(f);
  st.insn = sub.start;
  return st;
}

/** Whether the function's code calls a helper that may move the packet (its changes_pkt_data). */
function changesPacketData(v: Verifier, start: number, end: number): boolean {
  const insns = v.insns;
  for (let i = start; i < end; i += insns.width(i)) {
    const code = insns.code[i]!;
    if (BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL && insns.src[i] === 0 && HELPER_PROTOS.get(insns.imm[i]!)?.changesPktData) return true;
  }
  return false;
}
