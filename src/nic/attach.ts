import { BPF_XDP_CPUMAP, BPF_XDP_DEVMAP, XDP_PACKET_HEADROOM } from '../uapi/bpf.js';
import { EBUSY, EEXIST, EINVAL, ENOLINK, EOPNOTSUPP, EPERM, ERANGE } from '../uapi/errno.js';
import {
  XDP_ATTACHED_DRV,
  XDP_ATTACHED_HW,
  XDP_ATTACHED_MULTI,
  XDP_ATTACHED_NONE,
  XDP_ATTACHED_SKB,
  XDP_FLAGS_DRV_MODE,
  XDP_FLAGS_HW_MODE,
  XDP_FLAGS_MASK,
  XDP_FLAGS_MODES,
  XDP_FLAGS_REPLACE,
  XDP_FLAGS_SKB_MODE,
  XDP_FLAGS_UPDATE_IF_NOEXIST,
} from '../uapi/if-link.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import { PAGE_SIZE } from '../uapi/limits.js';
import { XdpAttachError } from './errors.js';

/**
 * The XDP programs attached to one device and the kernel's rules for changing
 * them, as net/core/dev.c has them (Linux 6.18): dev_xdp_attach and
 * dev_change_xdp_fd behind `ip link set ... xdp` and libbpf's bpf_xdp_attach
 * (with rtnetlink's IFLA_XDP checks in front), bpf_xdp_link_attach,
 * dev_xdp_detach_link and bpf_xdp_link_update behind bpf_link_create and
 * bpf_link_update, dev_xdp_uninstall when the device goes away.
 *
 * Not modelled: upper devices (a bond or team over the NIC, and the kernel's
 * "Cannot attach when an upper device already has a program"); header-data
 * split and memory providers (dev_xdp_install's "unable to install XDP to
 * device using tcp-data-split" / "... using memory provider"), which no
 * virtual NIC here has; offload devices shared by several ports (a program
 * bound to one ifindex matches that device only).
 */

/** enum bpf_xdp_mode (include/linux/netdevice.h): where a device runs a program. */
export const XDP_MODE_SKB = 0;
export const XDP_MODE_DRV = 1;
export const XDP_MODE_HW = 2;
export type XdpMode = typeof XDP_MODE_SKB | typeof XDP_MODE_DRV | typeof XDP_MODE_HW;
const MODES: readonly XdpMode[] = [XDP_MODE_SKB, XDP_MODE_DRV, XDP_MODE_HW];

/** What attaching needs to know of a loaded XDP program (the kernel's bpf_prog and its aux). */
export interface XdpProg {
  /** The program id `ip link` and bpftool print. */
  readonly id: number;
  readonly name: string;
  /** bpf_prog_calc_tag's 16 hex digits, for `ip link show`. */
  readonly tag: string;
  /** Whether the program has machine code (`jited` in `ip link show`). */
  readonly jited: boolean;
  /** enum bpf_attach_type it was loaded for: BPF_XDP, or BPF_XDP_DEVMAP / BPF_XDP_CPUMAP (never on a device). */
  readonly expectedAttachType: number;
  /** Loaded with BPF_F_XDP_HAS_FRAGS (an `xdp.frags` section): it takes frames larger than a page. */
  readonly frags: boolean;
  /** prog_ifindex it was loaded with (a device-bound program), 0 for none. */
  readonly ifindex: number;
  /** Bound and offloaded (loaded with prog_ifindex and without BPF_F_XDP_DEV_BOUND_ONLY): runs only in HW mode. */
  readonly offloaded: boolean;
}

/** A driver's answer to XDP_SETUP_PROG / XDP_SETUP_PROG_HW: the errno and, when the driver sets one, its extack. */
export interface XdpRefusal {
  readonly errno: number;
  readonly extack?: string;
}

/**
 * A driver's ndo_bpf as far as attaching goes: it installs `prog` (null
 * removes) in native or in offload mode, or refuses and keeps what it had.
 * A device without one (loopback, tunnels, bridges) is given `null`: it runs
 * XDP in generic mode only.
 */
export interface XdpDriver {
  setupProg(prog: XdpProg | null): XdpRefusal | undefined;
  setupProgHw(prog: XdpProg | null): XdpRefusal | undefined;
}

/**
 * MAX_SKB_FRAGS (the CONFIG_MAX_SKB_FRAGS default) and
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), which SKB_WITH_OVERHEAD
 * takes off a page; src/xdp has them too, but src/nic may not import it.
 */
const MAX_SKB_FRAGS = 17;
const SKB_SHARED_INFO = 320;

/**
 * The largest peer MTU drivers/net/veth.c (veth_xdp_set) accepts for a
 * program: what a page holds after the headroom and skb_shared_info, less
 * the peer's Ethernet header (3506), or that plus MAX_SKB_FRAGS pages when the
 * program takes fragments.
 */
export function vethMaxMtu(prog: XdpProg): number {
  const linear = PAGE_SIZE - XDP_PACKET_HEADROOM - SKB_SHARED_INFO - ETH_HLEN;
  return prog.frags ? linear + PAGE_SIZE * MAX_SKB_FRAGS : linear;
}

/**
 * veth's ndo_bpf: native mode refuses a program its peer's MTU is too large
 * for (ERANGE, "veth: Peer MTU is too large to set XDP", the module name
 * being NL_SET_ERR_MSG_MOD's prefix); offload is not a veth command, so HW
 * mode gets EINVAL with no message. `peer` is read at each attach, as the
 * driver reads the peer device.
 */
export function vethDriver(peer: { readonly mtu: number }): XdpDriver {
  return {
    setupProg: (prog) =>
      prog !== null && peer.mtu > vethMaxMtu(prog) ? { errno: ERANGE, extack: 'veth: Peer MTU is too large to set XDP' } : undefined,
    setupProgHw: () => ({ errno: EINVAL }),
  };
}

/** NSIM_XDP_MAX_MTU: the largest MTU netdevsim runs native XDP at. */
export const NSIM_XDP_MAX_MTU = 4000;

/**
 * netdevsim's ndo_bpf (drivers/net/netdevsim/bpf.c), the kernel's own
 * simulated offload NIC: native mode needs the device's MTU at most
 * NSIM_XDP_MAX_MTU ("netdevsim: MTU too large w/ XDP enabled"); HW mode takes
 * offloaded programs only ("netdevsim: xdpoffload of non-bound program").
 * Both EINVAL. NFP refuses a large MTU with the same words.
 */
export function netdevsimDriver(dev: { readonly mtu: number }): XdpDriver {
  return {
    setupProg: (prog) => {
      if (prog?.offloaded === true) return { errno: EINVAL, extack: 'netdevsim: attempt to load offloaded prog to drv' };
      if (dev.mtu > NSIM_XDP_MAX_MTU) return { errno: EINVAL, extack: 'netdevsim: MTU too large w/ XDP enabled' };
      return undefined;
    },
    setupProgHw: (prog) =>
      prog !== null && !prog.offloaded ? { errno: EINVAL, extack: 'netdevsim: xdpoffload of non-bound program' } : undefined,
  };
}

/**
 * A bpf_link holding an XDP program on a device (struct bpf_xdp_link): while
 * it lives, netlink cannot replace or remove that mode's program. `dev`
 * becomes null when the link is detached or the device goes away.
 */
export class XdpLink {
  dev: XdpAttachment | null;

  constructor(
    dev: XdpAttachment,
    private current: XdpProg,
    readonly flags: number,
  ) {
    this.dev = dev;
  }

  get prog(): XdpProg {
    return this.current;
  }

  /** bpf_link_update (bpf_xdp_link_update): swaps the program in place, with no extack. */
  update(prog: XdpProg, expected?: XdpProg): void {
    if (this.dev === null) throw new XdpAttachError(ENOLINK);
    if (expected !== undefined && expected !== this.current) throw new XdpAttachError(EPERM);
    if (prog.expectedAttachType !== this.current.expectedAttachType) throw new XdpAttachError(EINVAL);
    if (prog === this.current) return;
    const refusal = this.dev.install(this.dev.mode(this.flags), prog);
    if (refusal !== undefined) throw new XdpAttachError(refusal.errno);
    this.current = prog;
  }

  /** bpf_link_detach, or closing the last link fd (bpf_xdp_link_release). */
  detach(): void {
    if (this.dev === null) return;
    this.dev.detachLink(this);
    this.dev = null;
  }
}

interface ModeState {
  prog: XdpProg | null;
  link: XdpLink | null;
}

export class XdpAttachment {
  private readonly state: ModeState[] = MODES.map(() => ({ prog: null, link: null }));

  /** `driver` is the device's ndo_bpf, null for a device that has none. */
  constructor(
    readonly ifindex: number,
    private readonly driver: XdpDriver | null,
  ) {}

  /** dev_xdp_mode: the flag's mode, else native if the driver has ndo_bpf, generic if not. */
  mode(flags: number): XdpMode {
    if (flags & XDP_FLAGS_HW_MODE) return XDP_MODE_HW;
    if (flags & XDP_FLAGS_DRV_MODE) return XDP_MODE_DRV;
    if (flags & XDP_FLAGS_SKB_MODE) return XDP_MODE_SKB;
    return this.driver !== null ? XDP_MODE_DRV : XDP_MODE_SKB;
  }

  /** The program that runs in `mode` (a link's or one attached by netlink), the datapath's question. */
  prog(mode: XdpMode): XdpProg | null {
    const s = this.state[mode]!;
    return s.link !== null ? s.link.prog : s.prog;
  }

  link(mode: XdpMode): XdpLink | null {
    return this.state[mode]!.link;
  }

  /** dev_xdp_prog_count: modes with a program. */
  progCount(): number {
    return MODES.filter((m) => this.prog(m) !== null).length;
  }

  /**
   * IFLA_XDP attach through rtnetlink (do_setlink, then dev_change_xdp_fd):
   * what `ip link set dev D xdp...` and libbpf's bpf_xdp_attach/detach send.
   * `prog` null detaches; `expected` is IFLA_XDP_EXPECTED_FD, read only with
   * XDP_FLAGS_REPLACE (null: expect no program).
   */
  changeXdp(prog: XdpProg | null, flags: number, expected?: XdpProg | null): void {
    // rtnetlink refuses these before the device sees them, with no extack.
    if (flags & ~XDP_FLAGS_MASK || popcount(flags & XDP_FLAGS_MODES) > 1) throw new XdpAttachError(EINVAL);
    if (flags & XDP_FLAGS_REPLACE && expected === undefined) throw new XdpAttachError(EINVAL);
    // bpf_prog_get_type_dev: an offloaded program is not even looked up for generic mode.
    const generic = this.mode(flags) === XDP_MODE_SKB;
    if (generic && (prog?.offloaded === true || expected?.offloaded === true)) throw new XdpAttachError(EINVAL);
    this.attach(null, prog, flags & XDP_FLAGS_REPLACE ? (expected ?? null) : null, flags);
  }

  /** bpf_link_create(prog, ifindex, BPF_XDP, flags) (bpf_xdp_link_attach). */
  linkCreate(prog: XdpProg, flags: number): XdpLink {
    const link = new XdpLink(this, prog, flags);
    this.attach(link, null, null, flags);
    return link;
  }

  /**
   * dev_xdp_attach, its checks in the kernel's order. The kernel's "XDP_FLAGS_REPLACE
   * is not specified" is not here: neither caller can name an expected program without it.
   */
  private attach(link: XdpLink | null, newProg: XdpProg | null, oldProg: XdpProg | null, flags: number): void {
    const modes = popcount(flags & XDP_FLAGS_MODES);
    if (link !== null && flags & ~XDP_FLAGS_MODES) throw new XdpAttachError(EINVAL, 'Invalid XDP flags for BPF link attachment');
    if (modes > 1) throw new XdpAttachError(EINVAL, 'Only one XDP mode flag can be set');
    if (modes === 0 && this.progCount() > 1) throw new XdpAttachError(EINVAL, 'More than one program loaded, unset mode is ambiguous');

    const mode = this.mode(flags);
    if (this.link(mode) !== null) throw new XdpAttachError(EBUSY, "Can't replace active BPF XDP link");
    const cur = this.prog(mode);
    if (link !== null && cur !== null) throw new XdpAttachError(EBUSY, "Can't replace active XDP program with BPF link");
    if (flags & XDP_FLAGS_REPLACE && cur !== oldProg) throw new XdpAttachError(EEXIST, 'Active program does not match expected');

    const prog = link !== null ? link.prog : newProg;
    if (prog !== null) this.checkProg(prog, mode, cur, flags);

    // The driver is not called when the effective program stays the same.
    if (prog !== cur) {
      const refusal = this.install(mode, prog);
      if (refusal !== undefined) throw new XdpAttachError(refusal.errno, refusal.extack);
    }
    this.state[mode] = { prog: link !== null ? null : prog, link };
  }

  private checkProg(prog: XdpProg, mode: XdpMode, cur: XdpProg | null, flags: number): void {
    const offload = mode === XDP_MODE_HW;
    const other = mode === XDP_MODE_SKB ? XDP_MODE_DRV : XDP_MODE_SKB;
    if (flags & XDP_FLAGS_UPDATE_IF_NOEXIST && cur !== null) throw new XdpAttachError(EBUSY, 'XDP program already attached');
    if (!offload && this.prog(other) !== null) throw new XdpAttachError(EEXIST, "Native and generic XDP can't be active at the same time");
    if (!offload && prog.offloaded) throw new XdpAttachError(EINVAL, 'Using offloaded program without HW_MODE flag is not supported');
    const bound = prog.ifindex !== 0;
    if (bound && prog.ifindex !== this.ifindex) throw new XdpAttachError(EINVAL, 'Program bound to different device');
    if (bound && mode === XDP_MODE_SKB) throw new XdpAttachError(EINVAL, "Can't attach device-bound programs in generic mode");
    if (prog.expectedAttachType === BPF_XDP_DEVMAP) throw new XdpAttachError(EINVAL, 'BPF_XDP_DEVMAP programs can not be attached to a device');
    if (prog.expectedAttachType === BPF_XDP_CPUMAP) throw new XdpAttachError(EINVAL, 'BPF_XDP_CPUMAP programs can not be attached to a device');
  }

  /**
   * dev_xdp_install through the mode's bpf_op: generic_xdp_install, which
   * never refuses, or the driver's ndo_bpf, which a device without one lacks
   * in HW mode too (hence the kernel's "native" in that message).
   */
  install(mode: XdpMode, prog: XdpProg | null): XdpRefusal | undefined {
    if (mode === XDP_MODE_SKB) return undefined;
    if (this.driver === null) return { errno: EOPNOTSUPP, extack: 'Underlying driver does not support XDP in native mode' };
    return mode === XDP_MODE_HW ? this.driver.setupProgHw(prog) : this.driver.setupProg(prog);
  }

  /** dev_xdp_detach_link: the link's mode loses its program. */
  detachLink(link: XdpLink): void {
    const mode = this.mode(link.flags);
    if (this.link(mode) !== link) throw new XdpAttachError(EINVAL);
    this.install(mode, null);
    this.state[mode] = { prog: null, link: null };
  }

  /** dev_xdp_uninstall, as the device is unregistered: every mode emptied, links left without a device. */
  uninstall(): void {
    for (const mode of MODES) {
      const link = this.link(mode);
      if (this.prog(mode) === null) continue;
      this.install(mode, null);
      if (link !== null) link.dev = null;
      this.state[mode] = { prog: null, link: null };
    }
  }

  /** IFLA_XDP_ATTACHED as rtnl_xdp_fill reports it. */
  attached(): number {
    const modes = MODES.filter((m) => this.prog(m) !== null);
    if (modes.length === 0) return XDP_ATTACHED_NONE;
    if (modes.length > 1) return XDP_ATTACHED_MULTI;
    return ATTACHED_BY_MODE[modes[0]!];
  }

  /**
   * What `ip link show` prints of the XDP state (iproute2 ip/iplink_xdp.c):
   * the word after `mtu N` (empty when nothing is attached), and the lines
   * after `link/ether`: one `prog/xdp` line for one mode, one per mode
   * (generic, native, offload) for several. Lines carry ip's indentation and
   * its trailing space.
   */
  ipLinkShow(): { word: string; lines: string[] } {
    const attached = this.attached();
    if (attached === XDP_ATTACHED_NONE) return { word: '', lines: [] };
    const line = (label: string, prog: XdpProg): string =>
      `    prog/${label} id ${prog.id} ${prog.name === '' ? '' : `name ${prog.name} `}tag ${prog.tag} ${prog.jited ? 'jited ' : ''}`;
    if (attached !== XDP_ATTACHED_MULTI) {
      const prog = MODES.map((m) => this.prog(m)).find((p) => p !== null)!;
      return { word: IP_WORD[attached]!, lines: [line('xdp', prog)] };
    }
    const lines = MODES.flatMap((m) => {
      const prog = this.prog(m);
      return prog === null ? [] : [line(IP_MULTI_LABEL[m], prog)];
    });
    return { word: 'xdpmulti', lines };
  }
}

const ATTACHED_BY_MODE: Readonly<Record<XdpMode, number>> = {
  [XDP_MODE_SKB]: XDP_ATTACHED_SKB,
  [XDP_MODE_DRV]: XDP_ATTACHED_DRV,
  [XDP_MODE_HW]: XDP_ATTACHED_HW,
};
const IP_WORD: Readonly<Record<number, string>> = {
  [XDP_ATTACHED_DRV]: 'xdp',
  [XDP_ATTACHED_SKB]: 'xdpgeneric',
  [XDP_ATTACHED_HW]: 'xdpoffload',
};
const IP_MULTI_LABEL: Readonly<Record<XdpMode, string>> = {
  [XDP_MODE_SKB]: 'xdpgeneric',
  [XDP_MODE_DRV]: 'xdpdrv',
  [XDP_MODE_HW]: 'xdpoffload',
};

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
