import type { EngineName, Executable } from '../engine/index.js';
import type { LoadedObject } from '../loader/load.js';
import { programTag } from '../loader/tag.js';
import { XDP_MODE_DRV, XDP_MODE_HW, XDP_MODE_SKB, XdpAttachment, netdevsimDriver, vethDriver, type XdpDriver, type XdpMode, type XdpProg } from '../nic/attach.js';
import type { VirtualNic } from '../nic/device.js';
import { GenericRxQueue } from '../nic/generic.js';
import { checkOffload, OffloadRxQueue } from '../nic/offload.js';
import { objectMapIds, RxQueue, type RxPath } from '../nic/rx.js';
import type { NicEvents, XdpSinks } from '../nic/sinks.js';
import type { Topology } from '../nic/topology.js';
import type { XdpProgram } from '../testrun/program.js';
import { BPF_F_XDP_HAS_FRAGS, BPF_XDP } from '../uapi/bpf.js';
import { XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE, XDP_FLAGS_SKB_MODE } from '../uapi/if-link.js';

/** The attach modes by the names `xdpsim replay --mode` takes. */
export const MODE_NAMES = ['native', 'generic', 'offload'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

const MODE: Readonly<Record<ModeName, { mode: XdpMode; flags: number }>> = {
  native: { mode: XDP_MODE_DRV, flags: XDP_FLAGS_DRV_MODE },
  generic: { mode: XDP_MODE_SKB, flags: XDP_FLAGS_SKB_MODE },
  offload: { mode: XDP_MODE_HW, flags: XDP_FLAGS_HW_MODE },
};

/** The program of a loaded object as the attach rules see it: its id is its place in the object plus one, as devmap entries name programs. */
export function xdpProg(obj: LoadedObject, program: XdpProgram, device: VirtualNic, mode: ModeName): XdpProg {
  const def = program.info.sectionDef;
  const offloaded = mode === 'offload';
  return {
    id: obj.programs.indexOf(program) + 1,
    name: program.name,
    tag: programTag(program.info),
    jited: false,
    expectedAttachType: def?.expectedAttachType ?? BPF_XDP,
    frags: ((def?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0,
    // An offloaded program is loaded for its device (prog_ifindex), as `ip link set ... xdpoffload` loads it.
    ifindex: offloaded ? device.ifindex : 0,
    offloaded,
  };
}

/**
 * Attaches `program` to `device` in `mode` as `ip link set dev D xdp{drv,generic,offload} obj ...`
 * does, through the kernel's checks (an XdpAttachError with its extack when
 * refused). The device's driver takes native programs as veth does (its
 * counters are veth's too): up to an MTU of 3506 without fragments, far more
 * for an xdp.frags program; and offloaded ones as netdevsim, the kernel's own
 * simulated offload NIC, does. An offloaded program must
 * also pass the checks of nfp, the one NIC whose offload the kernel has
 * (checkOffload: its maps, then the verifier with nfp's hooks).
 */
export function attachXdp(obj: LoadedObject, program: XdpProgram, device: VirtualNic, mode: ModeName): XdpAttachment {
  // An offloaded program is loaded for the device first (prog_ifindex), where the NIC's own checks refuse what it cannot run.
  if (mode === 'offload') checkOffload({ verify: (device) => obj.verify(program, { mode: 'offload', device }) });
  const attachment = new XdpAttachment(device.ifindex, replayDriver(device));
  attachment.changeXdp(xdpProg(obj, program, device, mode), MODE[mode].flags);
  return attachment;
}

/** The ingress device's ndo_bpf: veth's for native mode (the device receives at its own MTU, as a veth at its peer's), netdevsim's for offload. */
function replayDriver(device: VirtualNic): XdpDriver {
  const veth = vethDriver(device);
  const netdevsim = netdevsimDriver(device);
  return { setupProg: (prog) => veth.setupProg(prog), setupProgHw: (prog) => netdevsim.setupProgHw(prog) };
}

export interface DatapathOptions {
  obj: LoadedObject;
  program: XdpProgram;
  engine?: EngineName;
  topology: Topology;
  device: VirtualNic;
  mode: ModeName;
  /** The RX queues this thread polls; each gets an execution context of its own, running as the CPU of the queue's number. */
  queues: readonly number[];
  sinks?: XdpSinks;
  events?: NicEvents;
  xdpReceiver?: (dev: VirtualNic) => boolean;
}

/**
 * The receive path of each RX queue this thread polls, with the program
 * attached in the mode asked: `paths[q]` for q in `queues`, undefined for
 * the others. The object must have been loaded with a context per queue of
 * every thread (and one for test runs) and 65 frame slots per context.
 */
export function rxPaths(o: DatapathOptions): Array<RxPath | undefined> {
  const paths = new Array<RxPath | undefined>(o.device.rxQueues).fill(undefined);
  const progId = o.obj.programs.indexOf(o.program) + 1;
  const mapIds = objectMapIds(o.obj.maps.values());
  const executable = o.obj.compile(o.program, o.engine);
  // Map entries name programs of the object by id (the maps refuse any other): the id is the program's place plus one.
  const entryProgram = (id: number): Executable => {
    const p = o.obj.programs[id - 1];
    if (p === undefined) throw new Error(`a map entry names program ${id}, which the object does not have`);
    return o.obj.compile(p, o.engine);
  };
  for (const queue of o.queues) {
    const common = {
      device: o.device,
      queue,
      topology: o.topology,
      executable,
      context: o.obj.context(queue),
      progId,
      mapIds,
      entryProgram,
      ...(o.sinks !== undefined && { sinks: o.sinks }),
      ...(o.events !== undefined && { events: o.events }),
    };
    switch (o.mode) {
      case 'native':
        paths[queue] = new RxQueue({ ...common, ...(o.xdpReceiver !== undefined && { xdpReceiver: o.xdpReceiver }) });
        break;
      case 'generic':
        // Generic TX and redirects go through the target's own transmit, which needs no XDP support of it.
        paths[queue] = new GenericRxQueue(common);
        break;
      case 'offload':
        // The NIC runs the program: no tracepoints, no redirects, its own statistics.
        paths[queue] = new OffloadRxQueue({
          device: o.device,
          queue,
          executable,
          context: common.context,
          ...(o.sinks !== undefined && { sinks: o.sinks }),
          ...(o.events !== undefined && { events: o.events }),
        });
        break;
    }
  }
  return paths;
}
