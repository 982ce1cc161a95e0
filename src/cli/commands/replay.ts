import { printableName } from '../../encoding/names.js';
import { parseHexStrict } from '../../encoding/hex.js';
import { ENGINES } from '../../engine/index.js';
import { LoadError } from '../../loader/errors.js';
import type { LoadedObject } from '../../loader/load.js';
import { parseSetup } from '../../loader/setup.js';
import { DEFAULT_RSS_KEY } from '../../nic/rss.js';
import {
  checkSpeed,
  MAX_WORKERS,
  MODE_NAMES,
  parseTopology,
  ReplaySession,
  type ModeName,
  type ReplayProgress,
  type ReplayResult,
  type ReplaySpeed,
  type TopologySpec,
} from '../../replay/index.js';
import { MAP_TYPE_NAMES } from '../../uapi/bpf.js';
import { ETH_MAX_MTU, ETH_MIN_MTU } from '../../uapi/if-ether.js';
import { engineOption, parseCommandArgs, UsageError, type Command, type Io } from '../command.js';
import { integerOption, MAX_SETUP_FILE, parseGlobals, readTextFile } from '../options.js';
import { replayJson, replaySummary, type ReplayReport } from '../replay-report.js';

/** Largest topology file. */
const MAX_TOPOLOGY_FILE = 1024 * 1024;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay captures through an XDP program on a virtual multi-queue NIC',
  usage: `usage: xdpsim replay CAPTURE... --prog OBJ [--sec S | --program F]
                     [--mode ${MODE_NAMES.join('|')}] [--dev NAME] [--queues N] [--mtu N]
                     [--speed topspeed|original] [--pps N | --mbps N] [--loop N]
                     [--peer NAME]... [--topology FILE] [--setup FILE] [--set VAR=VALUE]...
                     [--rss-key HEX] [--rss-queue N] [--workers N] [--out DIR] [--json]
                     [--trace] [--engine ${ENGINES.join('|')}]

Attaches the program to a virtual NIC (default eth0, ifindex 2) as
'ip link set dev eth0 xdp{drv,generic,offload} obj OBJ sec S' would, then
receives every packet of the captures on it, in order: RSS files each frame
on an RX queue, each queue is polled as a driver's NAPI poll, and every
verdict is acted on (PASS to the host stack, TX back out, REDIRECT to the
device, CPU or AF_XDP socket the program chose, DROP and ABORTED freed).
Prints the verdict counts and the per-queue counters.

  --prog OBJ            the object file; --sec S or --program F picks the program
  --mode M              native (default), generic, or offload
  --dev NAME            the receiving device's name (default eth0)
  --queues N            RX and TX queues of the receiving device (default 1)
  --mtu N               its MTU, 68 to 65535 (default 1500); longer frames are length errors
  --speed S             topspeed (default): as fast as they run; original: as the
                        capture's timestamps spaced them
  --pps N, --mbps N     a fixed rate of packets, or megabits, per second
  --loop N              replay the captures N times (default 1)
  --peer NAME           another device (ifindex 3, 4, ... in order) that frames can be
                        redirected to; repeatable
  --topology FILE       the devices as JSON: {"devices":[{"name":"eth0","rxQueues":4},
                        {"name":"veth0","type":"veth","peer":"veth1"},...],"ingress":"eth0"}
  --setup FILE          map updates before the first packet: lines of MAP KEY_HEX VALUE_HEX
  --set VAR=VALUE       set a const volatile global before load (integer)
  --rss-key HEX         the RSS key (40 bytes or more; default: the common Microsoft key)
  --rss-queue N         file every frame on RX queue N instead of hashing
  --workers N           poll the RX queues on N worker threads (queue q on worker
                        q mod N) sharing the maps; N at most the queues, and 64
  --out DIR             write pass.pcap, tx.pcap, drop.pcap, aborted.pcap,
                        redirect-DEV.pcap and xsk-Q.pcap there
  --json                print one JSON object instead of the summary
  --trace               stream bpf_printk lines and xdp:* tracepoint lines on standard error
  --engine E            how programs run (default interp)`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      prog: { type: 'string' },
      sec: { type: 'string' },
      program: { type: 'string' },
      mode: { type: 'string' },
      dev: { type: 'string' },
      queues: { type: 'string' },
      mtu: { type: 'string' },
      speed: { type: 'string' },
      pps: { type: 'string' },
      mbps: { type: 'string' },
      loop: { type: 'string' },
      peer: { type: 'string', multiple: true },
      topology: { type: 'string' },
      setup: { type: 'string' },
      set: { type: 'string', multiple: true },
      'rss-key': { type: 'string' },
      'rss-queue': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      trace: { type: 'boolean' },
      engine: { type: 'string' },
      workers: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('expected one or more captures');
    if (typeof values.prog !== 'string') throw new UsageError('--prog OBJ is required');
    const mode = modeOption(values.mode);
    const engine = engineOption(values.engine);
    const speed = speedOption(values);
    const loops = integerOption(values.loop, 'loop', 1);
    if (loops < 1) throw new UsageError('--loop takes 1 or more');
    const workers = integerOption(values.workers, 'workers', 0);
    if (workers > MAX_WORKERS) throw new UsageError(`--workers takes 0 to ${MAX_WORKERS}`);
    const spec = await topologySpec(values);
    const ingress = spec.devices.find((d) => d.name === (spec.ingress ?? spec.devices[0]!.name))!;
    const queues = ingress.rxQueues ?? 1;
    if (workers > queues) throw new UsageError(`--workers ${workers}: each worker polls RX queues of its own, and ${ingress.name} has ${queues}`);
    const rssQueue = values['rss-queue'] === undefined ? undefined : integerOption(values['rss-queue'], 'rss-queue', 0);
    if (rssQueue !== undefined && rssQueue >= queues) throw new UsageError(`--rss-queue ${rssQueue}: ${ingress.name} has RX queues 0..${queues - 1}`);
    const selector = typeof values.sec === 'string' || typeof values.program === 'string' ? {
      ...(typeof values.sec === 'string' && { section: values.sec }),
      ...(typeof values.program === 'string' && { program: values.program }),
    } : undefined;
    const trace = values.trace === true;
    const bar = await progressBar(io, values.json === true);
    const session = await ReplaySession.open(
      {
        object: values.prog,
        ...(selector && { select: selector }),
        globals: parseGlobals(values.set as unknown as string[] | undefined),
        captures: positionals,
        topology: spec,
        ...(typeof values['rss-key'] === 'string' && { rssKey: rssKeyOption(values['rss-key']) }),
        ...(rssQueue !== undefined && { rssQueue }),
        mode,
        engine,
        workers,
        loops,
        speed,
        ...(typeof values.setup === 'string' && {
          setup: parseSetup(await readTextFile(values.setup, MAX_SETUP_FILE, 'a setup file', LoadError), values.setup),
        }),
        ...(typeof values.out === 'string' && { outDir: values.out }),
        trace,
      },
      (e) => {
        if (e.type === 'progress') bar?.update(e.progress);
        else if (e.type === 'exception') {
          if (trace) io.stderr(`xdpsim: ${e.message}\n`);
        } else io.stderr(e.line + '\n');
      },
    );
    let result: ReplayResult;
    try {
      result = await session.run();
    } finally {
      bar?.stop();
    }
    const report: ReplayReport = {
      program: session.program.name,
      captures: positionals,
      mode,
      device: session.ingress,
      topology: session.topology,
      result,
      speed,
      maps: mapSummaries(session.obj),
      exceptions: session.exceptions,
      ...(session.outputs && { outputs: session.outputs }),
    };
    io.stdout(values.json === true ? JSON.stringify(replayJson(report)) + '\n' : replaySummary(report));
    for (const p of result.problems) {
      // Every loop replays the packets before the damage again.
      const times = result.loopsDone > 1 ? `, ${result.loopsDone} times: ${p.packetsBefore * result.loopsDone} in all` : '';
      io.stderr(`xdpsim replay: ${p.capture}: ${p.message} (the ${p.packetsBefore} packets before it were replayed${times})\n`);
    }
    const unsimulated = session.ingress.counters.verdictTotal('unsimulated');
    if (unsimulated > 0) {
      io.stderr(`xdpsim replay: ${unsimulated} frame${unsimulated === 1 ? '' : 's'} not simulated to the end, where the kernel would carry ${unsimulated === 1 ? 'it' : 'them'} on: dropped (see the exceptions)\n`);
    }
    return result.problems.length > 0 || unsimulated > 0 ? 1 : 0;
  },
};

function modeOption(value: string | boolean | undefined): ModeName {
  const mode = value ?? 'native';
  const known = MODE_NAMES.find((m) => m === mode);
  if (known === undefined) throw new UsageError(`unknown mode ${String(mode)} (modes: ${MODE_NAMES.join(', ')})`);
  return known;
}

function speedOption(values: Record<string, string | boolean | undefined>): ReplaySpeed {
  const given = (['speed', 'pps', 'mbps'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} cannot be used together`);
  const rate = (name: 'pps' | 'mbps'): number => {
    const n = Number(values[name]);
    if (typeof values[name] !== 'string' || !/^\d+(\.\d+)?$/.test(values[name] as string) || !(n > 0)) {
      throw new UsageError(`--${name} takes a number above 0`);
    }
    return n;
  };
  if (values.pps !== undefined) return checkSpeed({ kind: 'pps', pps: rate('pps') });
  if (values.mbps !== undefined) return checkSpeed({ kind: 'mbps', mbps: rate('mbps') });
  if (values.speed === undefined || values.speed === 'topspeed') return { kind: 'topspeed' };
  if (values.speed === 'original') return { kind: 'original', factor: 1 };
  throw new UsageError(`--speed takes topspeed or original, not ${String(values.speed)}`);
}

/** The devices: a topology file's, or the receiving device alone; then --peer devices; --queues, --mtu and --rss-key apply to the receiving one. */
async function topologySpec(values: Record<string, string | boolean | string[] | undefined>): Promise<TopologySpec> {
  let spec: TopologySpec;
  if (typeof values.topology === 'string') {
    spec = parseTopology(await readTextFile(values.topology, MAX_TOPOLOGY_FILE, 'a topology file', LoadError), values.topology);
    if (values.dev !== undefined) throw new UsageError('--dev and --topology cannot be used together (name the ingress device in the file)');
  } else {
    spec = { devices: [{ name: typeof values.dev === 'string' ? values.dev : 'eth0' }] };
  }
  const ingressName = spec.ingress ?? spec.devices[0]!.name;
  const ingress = spec.devices.find((d) => d.name === ingressName)!;
  if (values.queues !== undefined) {
    const n = integerOption(values.queues as string, 'queues', 1);
    if (n < 1 || n > 256) throw new UsageError('--queues takes 1 to 256');
    ingress.rxQueues = n;
    ingress.txQueues = n;
  }
  if (values.mtu !== undefined) {
    const mtu = integerOption(values.mtu as string, 'mtu', 1500);
    if (mtu < ETH_MIN_MTU || mtu > ETH_MAX_MTU) throw new UsageError(`--mtu takes ${ETH_MIN_MTU} to ${ETH_MAX_MTU}`);
    ingress.mtu = mtu;
  }
  for (const name of (values.peer as string[] | undefined) ?? []) spec.devices.push({ name });
  return spec;
}

function rssKeyOption(text: string): Uint8Array {
  const bytes = /^(?:0x)?[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0 ? parseHexStrict(text) : undefined;
  if (bytes === undefined || bytes.length < DEFAULT_RSS_KEY.length) {
    throw new UsageError(`--rss-key takes ${DEFAULT_RSS_KEY.length} bytes or more as hex digits`);
  }
  return bytes;
}

/** Each map's name, type and fill, for the report. */
function mapSummaries(obj: LoadedObject): Array<{ name: string; type: string; entries: number; maxEntries: number }> {
  return obj.object.maps.map((def) => {
    const map = obj.maps.get(def.name)!;
    return { name: printableName(def.name), type: MAP_TYPE_NAMES[def.type] ?? String(def.type), entries: map.entryCount(), maxEntries: map.spec.maxEntries };
  });
}

/** A progress bar on standard error when it is a terminal (cli-progress), nothing otherwise. */
async function progressBar(io: Io, json: boolean): Promise<{ update: (p: ReplayProgress) => void; stop: () => void } | undefined> {
  if (json || io.stderrIsTTY !== true) return undefined;
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    format: 'replay |{bar}| {percentage}% | {packets} packets | loop {loopNo}/{loops}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(1000, 0, { packets: 0, loopNo: 1, loops: 1 });
  return {
    update: (p) => bar.update(Number.isNaN(p.fraction) ? 0 : Math.round(p.fraction * 1000), { packets: p.packets, loopNo: Math.min(p.loop + 1, p.loops), loops: p.loops }),
    stop: () => bar.stop(),
  };
}
