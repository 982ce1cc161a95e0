import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseObject } from '../../src/elf/object.js';
import { XdpsimError } from '../../src/errors/index.js';
import {
  netdevsimDriver,
  vethDriver,
  vethMaxMtu,
  XDP_MODE_DRV,
  XDP_MODE_HW,
  XDP_MODE_SKB,
  XdpAttachment,
  type XdpProg,
} from '../../src/nic/attach.js';
import { XdpAttachError } from '../../src/nic/errors.js';
import { BPF_F_XDP_HAS_FRAGS } from '../../src/uapi/bpf.js';
import { EBUSY, EEXIST, EINVAL, ENOLINK, EOPNOTSUPP, EPERM, ERANGE } from '../../src/uapi/errno.js';
import {
  XDP_ATTACHED_DRV,
  XDP_ATTACHED_HW,
  XDP_ATTACHED_MULTI,
  XDP_ATTACHED_NONE,
  XDP_ATTACHED_SKB,
  XDP_FLAGS_DRV_MODE,
  XDP_FLAGS_HW_MODE,
  XDP_FLAGS_REPLACE,
  XDP_FLAGS_SKB_MODE,
  XDP_FLAGS_UPDATE_IF_NOEXIST,
} from '../../src/uapi/if-link.js';

// Unless a test says otherwise, every errno and extack message below was
// checked against Linux 6.18.44 on 2026-12-05: a veth pair and lo in a network
// namespace, programs attached with `ip link set dev D xdp...`, with libbpf's
// bpf_xdp_attach (IFLA_XDP, "libbpf: Kernel error message: ...") and with
// bpf_link_create / bpf_link_update (the extack of a refused link read from the
// xdp:bpf_xdp_link_attach_failed tracepoint). This kernel has no netdevsim
// (CONFIG_NETDEVSIM is not set), so offload cases follow the source only.

const ROOT = resolve(import.meta.dirname, '../..');
let nextId = 100;

/** A program of a real object as the loader would hand it to a device. */
function prog(file: string, name: string, extra: Partial<XdpProg> = {}): XdpProg {
  const object = parseObject(new Uint8Array(readFileSync(resolve(ROOT, file))), { fileName: file });
  const p = object.programs.find((q) => q.name === name)!;
  const def = p.sectionDef!;
  return {
    id: nextId++,
    name: p.name,
    tag: createHash('sha256').update(p.insns).digest('hex').slice(0, 16),
    jited: true,
    expectedAttachType: def.expectedAttachType,
    frags: (def.progFlags & BPF_F_XDP_HAS_FRAGS) !== 0,
    ifindex: 0,
    offloaded: false,
    ...extra,
  };
}

const drop = (extra: Partial<XdpProg> = {}): XdpProg => prog('examples/xdp_drop.o', 'xdp_drop', extra);
const frags = (): XdpProg => prog('test/fixtures/objects/calls.bpf.o', 'xdp_frags_prog');
const egress = (name: string): XdpProg => prog('test/fixtures/objects/egress_programs.bpf.o', name);

const VA = 3;
const LO = 1;
function veth(peerMtu = 1500): { dev: XdpAttachment; peer: { mtu: number } } {
  const peer = { mtu: peerMtu };
  return { dev: new XdpAttachment(VA, vethDriver(peer)), peer };
}
const loopback = (): XdpAttachment => new XdpAttachment(LO, null);

/** The refusal `f` raises, as [errno, extack]. */
function refusal(f: () => unknown): [number, string | undefined] {
  try {
    f();
  } catch (e) {
    if (e instanceof XdpAttachError) return [e.errno, e.extack];
    throw e;
  }
  throw new Error('not refused');
}

describe('XdpAttachment: default mode and what ip link shows', () => {
  it('attaches natively on a device with ndo_bpf and shows it as ip link does', () => {
    const { dev } = veth();
    const p = drop({ id: 115377 });
    // The kernel's tag for this object's program, so the line below is the kernel's line.
    expect(p.tag).toBe('b30cf65b7e0fa9c7');
    dev.changeXdp(p, XDP_FLAGS_UPDATE_IF_NOEXIST);
    expect(dev.prog(XDP_MODE_DRV)).toBe(p);
    expect(dev.prog(XDP_MODE_SKB)).toBeNull();
    expect(dev.attached()).toBe(XDP_ATTACHED_DRV);
    expect(dev.ipLinkShow()).toEqual({ word: 'xdp', lines: ['    prog/xdp id 115377 name xdp_drop tag b30cf65b7e0fa9c7 jited '] });
  });

  it('falls back to generic mode on a device without ndo_bpf, still printing prog/xdp', () => {
    const lo = loopback();
    const p = drop({ id: 115446 });
    lo.changeXdp(p, XDP_FLAGS_UPDATE_IF_NOEXIST);
    expect(lo.prog(XDP_MODE_SKB)).toBe(p);
    expect(lo.attached()).toBe(XDP_ATTACHED_SKB);
    expect(lo.ipLinkShow()).toEqual({ word: 'xdpgeneric', lines: ['    prog/xdp id 115446 name xdp_drop tag b30cf65b7e0fa9c7 jited '] });
    lo.changeXdp(null, 0);
    expect(lo.attached()).toBe(XDP_ATTACHED_NONE);
    expect(lo.ipLinkShow()).toEqual({ word: '', lines: [] });
  });

  it('refuses native and offload mode on a device without ndo_bpf with the same "native" message', () => {
    const lo = loopback();
    const msg = 'Underlying driver does not support XDP in native mode';
    expect(refusal(() => lo.changeXdp(drop(), XDP_FLAGS_DRV_MODE))).toEqual([EOPNOTSUPP, msg]);
    expect(refusal(() => lo.changeXdp(drop(), XDP_FLAGS_HW_MODE))).toEqual([EOPNOTSUPP, msg]);
    // Detaching what is not there never reaches the driver.
    lo.changeXdp(null, XDP_FLAGS_DRV_MODE);
  });

  it('gives HW mode on a driver without offload (veth) EINVAL and no message', () => {
    const { dev } = veth();
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_HW_MODE))).toEqual([EINVAL, undefined]);
  });
});

describe('XdpAttachment: netlink attach flags', () => {
  it('refuses a second program without -force and replaces it with -force', () => {
    const { dev } = veth();
    dev.changeXdp(drop(), XDP_FLAGS_UPDATE_IF_NOEXIST);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual([EBUSY, 'XDP program already attached']);
    const next = drop();
    dev.changeXdp(next, XDP_FLAGS_DRV_MODE);
    expect(dev.prog(XDP_MODE_DRV)).toBe(next);
  });

  it('keeps native and generic exclusive, -force or not, while detaching the empty mode succeeds', () => {
    const { dev } = veth();
    const p = drop();
    dev.changeXdp(p, 0);
    const both = "Native and generic XDP can't be active at the same time";
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual([EEXIST, both]);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_SKB_MODE))).toEqual([EEXIST, both]);
    // `ip link set dev va xdpgeneric off` with a native program: silent, and the program stays.
    dev.changeXdp(null, XDP_FLAGS_SKB_MODE);
    expect(dev.prog(XDP_MODE_DRV)).toBe(p);
    dev.changeXdp(null, 0);
    dev.changeXdp(p, XDP_FLAGS_SKB_MODE);
    expect(refusal(() => dev.changeXdp(drop(), 0))).toEqual([EEXIST, both]);
    // `xdp off` means the default (native) mode here: the generic program stays.
    dev.changeXdp(null, 0);
    expect(dev.attached()).toBe(XDP_ATTACHED_SKB);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual([EBUSY, 'XDP program already attached']);
  });

  it('replaces or detaches only the expected program with XDP_FLAGS_REPLACE', () => {
    const { dev } = veth();
    const [p0, p1] = [drop(), drop()];
    dev.changeXdp(p0, 0);
    const mismatch = [EEXIST, 'Active program does not match expected'];
    expect(refusal(() => dev.changeXdp(p1, XDP_FLAGS_REPLACE, p1))).toEqual(mismatch);
    expect(refusal(() => dev.changeXdp(p1, XDP_FLAGS_REPLACE, null))).toEqual(mismatch);
    // The expected program matches, but update-if-noexist still sees one attached.
    expect(refusal(() => dev.changeXdp(p1, XDP_FLAGS_REPLACE | XDP_FLAGS_UPDATE_IF_NOEXIST, p0))).toEqual([EBUSY, 'XDP program already attached']);
    dev.changeXdp(p1, XDP_FLAGS_REPLACE, p0);
    expect(dev.prog(XDP_MODE_DRV)).toBe(p1);
    expect(refusal(() => dev.changeXdp(null, XDP_FLAGS_REPLACE, p0))).toEqual(mismatch);
    dev.changeXdp(null, XDP_FLAGS_REPLACE, p1);
    expect(dev.attached()).toBe(XDP_ATTACHED_NONE);
  });

  it('refuses in rtnetlink, with no message, what never reaches the device (from the source)', () => {
    const { dev } = veth();
    expect(refusal(() => dev.changeXdp(drop(), 1 << 5))).toEqual([EINVAL, undefined]);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE))).toEqual([EINVAL, undefined]);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_REPLACE))).toEqual([EINVAL, undefined]);
  });

  it('refuses devmap and cpumap programs, after the mode and update checks', () => {
    const { dev } = veth();
    const devmap = egress('xdp_on_devmap');
    expect(refusal(() => dev.changeXdp(devmap, 0))).toEqual([EINVAL, 'BPF_XDP_DEVMAP programs can not be attached to a device']);
    expect(refusal(() => dev.changeXdp(egress('xdp_frags_on_cpumap'), 0))).toEqual([EINVAL, 'BPF_XDP_CPUMAP programs can not be attached to a device']);
    dev.changeXdp(drop(), 0);
    expect(refusal(() => dev.changeXdp(devmap, XDP_FLAGS_SKB_MODE))).toEqual([EEXIST, "Native and generic XDP can't be active at the same time"]);
    expect(refusal(() => dev.changeXdp(devmap, XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual([EBUSY, 'XDP program already attached']);
  });

  it('takes a device-bound program natively on its own device only', () => {
    const { dev } = veth();
    const bound = drop({ ifindex: VA });
    expect(refusal(() => loopback().changeXdp(bound, XDP_FLAGS_SKB_MODE))).toEqual([EINVAL, 'Program bound to different device']);
    expect(refusal(() => dev.changeXdp(bound, XDP_FLAGS_SKB_MODE))).toEqual([EINVAL, "Can't attach device-bound programs in generic mode"]);
    expect(refusal(() => dev.changeXdp(bound, XDP_FLAGS_HW_MODE))).toEqual([EINVAL, undefined]);
    dev.changeXdp(bound, XDP_FLAGS_DRV_MODE);
    expect(dev.prog(XDP_MODE_DRV)).toBe(bound);
  });
});

describe('XdpAttachment: veth peer MTU', () => {
  it('refuses native XDP when the peer MTU passes what a page holds, unless the program takes fragments', () => {
    expect(vethMaxMtu(drop())).toBe(3506);
    const { dev, peer } = veth(3506);
    dev.changeXdp(drop(), XDP_FLAGS_DRV_MODE);
    dev.changeXdp(null, XDP_FLAGS_DRV_MODE);
    peer.mtu = 3507;
    const tooLarge = [ERANGE, 'veth: Peer MTU is too large to set XDP'];
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_DRV_MODE))).toEqual(tooLarge);
    expect(refusal(() => dev.changeXdp(drop(), 0))).toEqual(tooLarge);
    expect(refusal(() => dev.linkCreate(drop(), 0))).toEqual(tooLarge);
    expect(dev.attached()).toBe(XDP_ATTACHED_NONE);
    dev.changeXdp(drop(), XDP_FLAGS_SKB_MODE);
    dev.changeXdp(null, XDP_FLAGS_SKB_MODE);
    peer.mtu = 9000;
    const f = frags();
    expect(f.frags).toBe(true);
    dev.changeXdp(f, XDP_FLAGS_DRV_MODE);
    expect(dev.prog(XDP_MODE_DRV)).toBe(f);
  });
});

describe('XdpAttachment: bpf_link', () => {
  it('holds its mode against netlink and against other links', () => {
    const { dev } = veth();
    const link = dev.linkCreate(drop(), 0);
    expect(dev.link(XDP_MODE_DRV)).toBe(link);
    expect(dev.ipLinkShow().word).toBe('xdp');
    const held = [EBUSY, "Can't replace active BPF XDP link"];
    expect(refusal(() => dev.changeXdp(drop(), 0))).toEqual(held);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual(held);
    expect(refusal(() => dev.changeXdp(null, 0))).toEqual(held);
    const badFlags = [EINVAL, 'Invalid XDP flags for BPF link attachment'];
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_UPDATE_IF_NOEXIST))).toEqual(badFlags);
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE))).toEqual(badFlags);
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE))).toEqual([EINVAL, 'Only one XDP mode flag can be set']);
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_SKB_MODE))).toEqual([EEXIST, "Native and generic XDP can't be active at the same time"]);
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_DRV_MODE))).toEqual(held);
  });

  it('updates in place (same attach type only) and detaches', () => {
    const { dev } = veth();
    const p0 = drop();
    const link = dev.linkCreate(p0, 0);
    expect(refusal(() => link.update(egress('xdp_on_devmap')))).toEqual([EINVAL, undefined]);
    const p1 = drop();
    expect(refusal(() => link.update(p1, p1))).toEqual([EPERM, undefined]);
    link.update(p1);
    expect(dev.prog(XDP_MODE_DRV)).toBe(p1);
    expect(link.prog).toBe(p1);
    link.detach();
    expect(dev.attached()).toBe(XDP_ATTACHED_NONE);
    expect(link.dev).toBeNull();
    expect(refusal(() => link.update(p0))).toEqual([ENOLINK, undefined]);
  });

  it('does not take a mode a netlink program holds', () => {
    const { dev } = veth();
    dev.changeXdp(drop(), 0);
    expect(refusal(() => dev.linkCreate(drop(), 0))).toEqual([EBUSY, "Can't replace active XDP program with BPF link"]);
    expect(refusal(() => dev.linkCreate(drop(), XDP_FLAGS_SKB_MODE))).toEqual([EEXIST, "Native and generic XDP can't be active at the same time"]);
  });

  it('applies the device-bound rules to links too', () => {
    const { dev } = veth();
    const bound = drop({ ifindex: VA });
    expect(refusal(() => dev.linkCreate(bound, XDP_FLAGS_SKB_MODE))).toEqual([EINVAL, "Can't attach device-bound programs in generic mode"]);
    expect(refusal(() => loopback().linkCreate(bound, 0))).toEqual([EINVAL, 'Program bound to different device']);
    dev.linkCreate(bound, 0);
  });

  it('leaves links without a device when the device goes away (dev_xdp_uninstall; from the source)', () => {
    const { dev } = veth();
    const link = dev.linkCreate(drop(), 0);
    dev.uninstall();
    expect(dev.attached()).toBe(XDP_ATTACHED_NONE);
    expect(link.dev).toBeNull();
    link.detach();
    expect(refusal(() => link.update(drop()))).toEqual([ENOLINK, undefined]);
  });
});

// netdevsim is not built into this kernel: these follow net/core/dev.c and
// drivers/net/netdevsim/bpf.c, unchecked.
describe('XdpAttachment: offload (netdevsim)', () => {
  const NSIM = 4;
  const nsim = (mtu = 1500): XdpAttachment => new XdpAttachment(NSIM, netdevsimDriver({ mtu }));

  it('runs an offloaded program beside a generic one, shown as xdpmulti, and wants a mode to change either', () => {
    const dev = nsim();
    const hw = drop({ id: 7, ifindex: NSIM, offloaded: true, jited: false });
    const skb = drop({ id: 8 });
    dev.changeXdp(hw, XDP_FLAGS_HW_MODE);
    expect(dev.attached()).toBe(XDP_ATTACHED_HW);
    expect(dev.ipLinkShow().word).toBe('xdpoffload');
    dev.changeXdp(skb, XDP_FLAGS_SKB_MODE);
    expect(dev.attached()).toBe(XDP_ATTACHED_MULTI);
    expect(dev.prog(XDP_MODE_HW)).toBe(hw);
    expect(dev.prog(XDP_MODE_SKB)).toBe(skb);
    expect(dev.ipLinkShow()).toEqual({
      word: 'xdpmulti',
      lines: [`    prog/xdpgeneric id 8 name xdp_drop tag ${skb.tag} jited `, `    prog/xdpoffload id 7 name xdp_drop tag ${hw.tag} `],
    });
    expect(refusal(() => dev.changeXdp(null, 0))).toEqual([EINVAL, 'More than one program loaded, unset mode is ambiguous']);
    dev.changeXdp(null, XDP_FLAGS_SKB_MODE);
    dev.changeXdp(null, 0);
    // With one program left, no mode means the default one (native), which is empty.
    expect(dev.prog(XDP_MODE_HW)).toBe(hw);
  });

  it('refuses offloaded programs outside HW mode and plain ones in it', () => {
    const dev = nsim();
    const hw = drop({ ifindex: NSIM, offloaded: true });
    expect(refusal(() => dev.changeXdp(hw, XDP_FLAGS_DRV_MODE))).toEqual([EINVAL, 'Using offloaded program without HW_MODE flag is not supported']);
    // dev_change_xdp_fd does not even look an offloaded program up for generic mode.
    expect(refusal(() => dev.changeXdp(hw, XDP_FLAGS_SKB_MODE))).toEqual([EINVAL, undefined]);
    expect(refusal(() => dev.changeXdp(drop(), XDP_FLAGS_HW_MODE))).toEqual([EINVAL, 'netdevsim: xdpoffload of non-bound program']);
    expect(refusal(() => dev.changeXdp(drop({ ifindex: NSIM + 1, offloaded: true }), XDP_FLAGS_HW_MODE))).toEqual([
      EINVAL,
      'Program bound to different device',
    ]);
  });

  it('refuses native XDP above NSIM_XDP_MAX_MTU', () => {
    expect(refusal(() => nsim(4001).changeXdp(drop(), XDP_FLAGS_DRV_MODE))).toEqual([EINVAL, 'netdevsim: MTU too large w/ XDP enabled']);
    nsim(4000).changeXdp(drop(), XDP_FLAGS_DRV_MODE);
  });
});

describe('XdpAttachError', () => {
  it('is an xdpsim error with its own code, the errno and the extack', () => {
    const e = new XdpAttachError(EBUSY, 'XDP program already attached');
    expect(e).toBeInstanceOf(XdpsimError);
    expect(e.code).toBe('XDP_ATTACH');
    expect(e.message).toBe('XDP program already attached: EBUSY');
    expect(new XdpAttachError(EINVAL).message).toBe('EINVAL');
  });
});
