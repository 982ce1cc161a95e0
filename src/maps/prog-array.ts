import { FdArrayMap } from './fd-array.js';
import { programById } from './refs.js';
import { EBADF } from '../uapi/errno.js';

/**
 * BPF_MAP_TYPE_PROG_ARRAY: the jump table of bpf_tail_call. User space stores
 * a program id (the kernel takes a program fd and reads back its id);
 * programs cannot look the map up, only tail-call through it.
 */
export class ProgArrayMap extends FdArrayMap {
  /**
   * Index in the object of the program in slot `index` (a u32, as
   * bpf_tail_call reads it), or -1 when the slot is empty or out of range:
   * then the tail call falls through.
   */
  programAt(index: number): number {
    return this.idAt(index >>> 0) - 1;
  }

  /** A program's own map lookup finds nothing: the verifier only lets bpf_tail_call use a prog array. */
  lookup(): number {
    return 0;
  }

  protected accept(id: number): number {
    return programById(this.refs, id) ? 0 : -EBADF;
  }
}
