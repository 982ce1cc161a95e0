import { NicConfigError } from './errors.js';
import { type NicOptions, VirtualNic } from './device.js';

/** ifindex 1 is lo in every network namespace, the device BPF_PROG_TEST_RUN runs programs on. */
export const LOOPBACK_IFINDEX = 1;

/**
 * The devices of one simulated network namespace: created and destroyed at
 * run time, found by name or by ifindex (what bpf_redirect and devmap
 * entries name). ifindexes are handed out from 2 up and never reused while
 * the namespace lives, as the kernel's dev_index_reserve does.
 */
export class Topology {
  private readonly names = new Map<string, VirtualNic>();
  private readonly indexes = new Map<number, VirtualNic>();
  private nextIfindex = LOOPBACK_IFINDEX + 1;

  add(options: NicOptions): VirtualNic {
    if (options.name === 'lo' || this.names.has(options.name)) throw new NicConfigError(`device ${options.name} already exists`);
    const nic = new VirtualNic(options, this.nextIfindex);
    this.nextIfindex++;
    this.names.set(nic.name, nic);
    this.indexes.set(nic.ifindex, nic);
    return nic;
  }

  remove(name: string): void {
    const nic = this.device(name);
    this.names.delete(name);
    this.indexes.delete(nic.ifindex);
  }

  /** The device called `name`; a NicConfigError when there is none, as `ip link` says "Cannot find device". */
  device(name: string): VirtualNic {
    const nic = this.names.get(name);
    if (!nic) throw new NicConfigError(`Cannot find device "${name}"`);
    return nic;
  }

  /** The device with `ifindex`, or undefined (a redirect to it fails, as to a device that is gone). */
  byIfindex(ifindex: number): VirtualNic | undefined {
    return this.indexes.get(ifindex);
  }

  devices(): VirtualNic[] {
    return [...this.names.values()];
  }
}
