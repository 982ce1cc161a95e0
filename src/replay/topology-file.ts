import { ReplayError } from './errors.js';
import type { NicOptions, VirtualNic } from '../nic/device.js';
import { NicConfigError } from '../nic/errors.js';
import { Topology } from '../nic/topology.js';

export class TopologyError extends ReplayError {}

/** One device of a topology file. */
export interface DeviceSpec {
  name: string;
  rxQueues?: number;
  txQueues?: number;
  mtu?: number;
  /** "02:00:00:00:00:02". */
  mac?: string;
  /** A device that is down receives nothing and refuses redirected frames (ENETDOWN). */
  up?: boolean;
  /** A veth end takes XDP frames only while its peer runs an XDP program (XDP-FACTS 1.5). */
  type?: 'nic' | 'veth';
  peer?: string;
}

/**
 * The devices a replay runs among, as a topology file (JSON) gives them:
 * `{"devices": [{"name": "eth0", "rxQueues": 4}, {"name": "veth0", "type": "veth", "peer": "veth1"}, ...], "ingress": "eth0"}`.
 * The ingress device (the first unless named) receives the captures and
 * runs the program; the others are where frames are redirected to.
 */
export interface TopologySpec {
  devices: DeviceSpec[];
  ingress?: string;
}

const DEVICE_KEYS = new Set(['name', 'rxQueues', 'txQueues', 'mtu', 'mac', 'up', 'type', 'peer']);

/** A topology file's text, checked; a TopologyError naming the file and the fault. */
export function parseTopology(text: string, path: string): TopologySpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TopologyError(`${path}: not JSON: ${(e as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new TopologyError(`${path}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { devices?: unknown }).devices)) fail('expected {"devices": [...]}');
  const root = json as { devices: unknown[]; ingress?: unknown };
  for (const key of Object.keys(root)) if (key !== 'devices' && key !== 'ingress') fail(`unknown key ${JSON.stringify(key)}`);
  if (root.ingress !== undefined && typeof root.ingress !== 'string') fail('"ingress" must name a device');
  const devices = root.devices.map((d, i): DeviceSpec => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return fail(`device ${i} is not an object`);
    const o = d as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!DEVICE_KEYS.has(key)) fail(`device ${i}: unknown key ${JSON.stringify(key)}`);
    if (typeof o.name !== 'string') fail(`device ${i}: "name" must be a string`);
    for (const key of ['rxQueues', 'txQueues', 'mtu'] as const) {
      if (o[key] !== undefined && !Number.isInteger(o[key])) fail(`device ${String(o.name)}: "${key}" must be an integer`);
    }
    if (o.mac !== undefined && (typeof o.mac !== 'string' || !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(o.mac))) {
      fail(`device ${String(o.name)}: "mac" must look like 02:00:00:00:00:01`);
    }
    if (o.up !== undefined && typeof o.up !== 'boolean') fail(`device ${String(o.name)}: "up" must be true or false`);
    if (o.type !== undefined && o.type !== 'nic' && o.type !== 'veth') fail(`device ${String(o.name)}: "type" must be "nic" or "veth"`);
    if ((o.type === 'veth') !== (typeof o.peer === 'string')) fail(`device ${String(o.name)}: a veth names its "peer", and only a veth does`);
    return o as unknown as DeviceSpec;
  });
  if (devices.length === 0) fail('no devices');
  const byName = new Map(devices.map((d) => [d.name, d]));
  for (const d of devices) {
    if (d.peer === undefined) continue;
    const peer = byName.get(d.peer);
    if (peer?.peer !== d.name) fail(`veth ${d.name}: its peer ${d.peer} must be a veth listed here whose peer is ${d.name}`);
  }
  if (root.ingress !== undefined && !byName.has(root.ingress as string)) fail(`ingress device ${String(root.ingress)} is not listed`);
  return { devices, ...(root.ingress !== undefined && { ingress: root.ingress as string }) };
}

/** A topology built from a spec: its devices made in order (ifindex 2, 3, ...), the ingress device, and which devices take XDP frames. */
export interface BuiltTopology {
  topology: Topology;
  ingress: VirtualNic;
  /** Whether a device takes XDP frames (ndo_xdp_xmit, XDP_TX): a veth only while its peer, the ingress device, runs the program. */
  xdpReceiver: (dev: VirtualNic) => boolean;
}

/** What a worker thread builds the same topology from: the spec, and each device's counters to count into. */
export interface SharedTopology {
  spec: TopologySpec;
  rssKey: Uint8Array | undefined;
  threads: number;
  counters: SharedArrayBuffer[];
}

/**
 * Builds a topology. `rssKey`, when given, is the ingress device's;
 * `threads` is how many threads will count into its devices (see
 * NicCounters); a worker passes `shared` and its thread number to count into
 * the devices another thread built.
 */
export function buildTopology(spec: TopologySpec, rssKey?: Uint8Array, threads = 1, shared?: { counters: readonly SharedArrayBuffer[]; thread: number }): BuiltTopology {
  const topology = new Topology();
  const ingressName = spec.ingress ?? spec.devices[0]!.name;
  for (const d of spec.devices) {
    const options: NicOptions = {
      name: d.name,
      ...(rssKey !== undefined && d.name === ingressName && { rssKey }),
      threads,
      ...(shared !== undefined && { counters: { buffer: shared.counters[spec.devices.indexOf(d)]!, thread: shared.thread } }),
      ...(d.rxQueues !== undefined && { rxQueues: d.rxQueues }),
      ...(d.txQueues !== undefined && { txQueues: d.txQueues }),
      ...(d.mtu !== undefined && { mtu: d.mtu }),
      ...(d.mac !== undefined && { mac: Uint8Array.from(d.mac.split(':'), (h) => parseInt(h, 16)) }),
    };
    try {
      const nic = topology.add(options);
      if (d.up === false) nic.up = false;
    } catch (e) {
      if (e instanceof NicConfigError) throw new TopologyError(e.message);
      throw e;
    }
  }
  const ingress = topology.device(ingressName);
  const peers = new Map(spec.devices.filter((d) => d.peer !== undefined).map((d) => [d.name, d.peer!]));
  for (const [name, peer] of peers) topology.device(name).peer = topology.device(peer);
  const xdpReceiver = (dev: VirtualNic): boolean => {
    const peer = peers.get(dev.name);
    return peer === undefined || peer === ingress.name;
  };
  return { topology, ingress, xdpReceiver };
}
