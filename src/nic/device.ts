import { ETH_ALEN, ETH_MAX_MTU, ETH_MIN_MTU } from '../uapi/if-ether.js';
import { NicCounters, type CountersShare } from './counters.js';
import { NicConfigError } from './errors.js';
import { DEFAULT_INDIR_SIZE, DEFAULT_RSS_KEY, Rss } from './rss.js';

/** IFNAMSIZ (linux/if.h): a name and its NUL. */
const IFNAMSIZ = 16;

/** What a virtual NIC is made with; everything but the name has a veth's default. */
export interface NicOptions {
  name: string;
  /** RX queues (and execution contexts when a program runs on it); 1 unless told. */
  rxQueues?: number;
  /** TX queues; as many as RX queues unless told. */
  txQueues?: number;
  /** L3 MTU; 1500 unless told. */
  mtu?: number;
  /** Six bytes; 02:00:00:00:HI:LO of the ifindex unless told (locally administered). */
  mac?: Uint8Array;
  rssKey?: Uint8Array;
  rssIndirSize?: number;
  /** Threads that will send out of its TX queues (see NicCounters); 1 unless told. */
  threads?: number;
  /** Count into the counters another thread made for this device, as thread `share.thread`. */
  counters?: CountersShare;
}

/**
 * dev_valid_name (net/core/dev.c): 1 to 15 bytes, not "." or "..", and no
 * '/', ':' or white space, since the name becomes a sysfs directory.
 */
export function validDeviceName(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name) >= IFNAMSIZ) return false;
  if (name === '.' || name === '..') return false;
  return !/[/:\s]/.test(name);
}

/**
 * One virtual network device: its identity (name, ifindex, MAC, MTU), its
 * queues, the RSS that files received frames on them, whether it is up, and
 * its per-queue counters (in shared memory, so worker threads polling its
 * queues count into them).
 */
export class VirtualNic {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  readonly rxQueues: number;
  readonly txQueues: number;
  readonly rss: Rss;
  readonly counters: NicCounters;
  mtu: number;
  /** Down, it receives nothing (see receiveWhileDown) and takes no redirected frame (xdp_ok_fwd_dev). */
  up = true;
  /** A veth's other end, which every frame it receives was sent by; undefined for any other device. */
  peer: VirtualNic | undefined = undefined;

  constructor(options: NicOptions, ifindex: number) {
    if (!validDeviceName(options.name)) {
      throw new NicConfigError(`invalid device name ${JSON.stringify(options.name)}: 1 to ${IFNAMSIZ - 1} bytes, no '/', ':' or spaces, not '.' or '..'`);
    }
    this.name = options.name;
    this.ifindex = ifindex;
    const rx = options.rxQueues ?? 1;
    const tx = options.txQueues ?? rx;
    for (const [what, n] of [['RX', rx], ['TX', tx]] as const) {
      if (!Number.isInteger(n) || n < 1 || n > 4096) throw new NicConfigError(`${this.name}: ${what} queues must be 1..4096, not ${n}`);
    }
    this.rxQueues = rx;
    this.txQueues = tx;
    const mtu = options.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < ETH_MIN_MTU || mtu > ETH_MAX_MTU) {
      throw new NicConfigError(`${this.name}: MTU must be ${ETH_MIN_MTU}..${ETH_MAX_MTU}, not ${mtu}`);
    }
    this.mtu = mtu;
    const mac = options.mac ?? Uint8Array.of(0x02, 0, 0, 0, (ifindex >>> 8) & 0xff, ifindex & 0xff);
    if (mac.length !== ETH_ALEN) throw new NicConfigError(`${this.name}: a MAC address is ${ETH_ALEN} bytes, not ${mac.length}`);
    this.mac = mac.slice();
    this.rss = new Rss(rx, options.rssKey ?? DEFAULT_RSS_KEY, options.rssIndirSize ?? DEFAULT_INDIR_SIZE);
    this.counters = new NicCounters(rx, tx, options.threads ?? 1, options.counters);
  }

  /** The MAC as `ip link` prints it. */
  get address(): string {
    return Array.from(this.mac, (b) => b.toString(16).padStart(2, '0')).join(':');
  }
}
