import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_MTU } from '../../helpers/runtime.js';
import { formatTraceLine } from '../../helpers/trace-pipe.js';
import { loadObject, type LoadedObject } from '../../loader/load.js';
import { applySetup, parseSetup } from '../../loader/setup.js';
import { dumpMapsHex } from '../../maps/dump.js';
import { formatMapDump } from '../../maps/format.js';
import { MAP_TYPE_NAMES } from '../../maps/types.js';
import { LinkTypeError, readCapture, toEthernet, type CapturedPacket } from '../../pcap/index.js';
import type { XdpProgram, XdpRunOptions } from '../../xdp/program.js';
import { XDP_ACTION_NAMES } from '../../xdp/constants.js';
import { runFrame, type FrameLine } from '../../xdp/testrun.js';
import { parseCommandArgs, UsageError, type Command, type Io } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run every packet of a capture through an XDP program',
  usage: `usage: xdpsim run OBJ (--sec S | --program F) --pcap FILE [--jsonl OUT]
                  [--setup FILE] [--set VAR=VALUE]... [--ifindex N] [--queue N] [--mtu N]
                  [--pin-dir DIR] [--pinmaps DIR] [--engine interp|jit] [--trace]

Loads OBJ as libbpf/iproute2 do and runs each packet of FILE (pcap or pcapng;
non-Ethernet link types are converted) in order, as BPF_PROG_TEST_RUN would:
maps persist across packets.

  --sec S, --program F  the program, by ELF section (first in it) or function name
  --pcap FILE           the packets
  --jsonl OUT           write one JSON line per packet to OUT (- for stdout):
                        {"i":N,"verdict":V,"len":L,"out":"<hex>"}, where out is the
                        frame from data_meta to data_end after the program, or
                        {"i":N,"err":"<strerror>","reason":"..."} for a packet the
                        kernel would not run; then {"maps":{NAME:[[KEY,VALUE],...]}}
  --setup FILE          map updates before the first packet: lines of MAP KEY_HEX VALUE_HEX
  --set VAR=VALUE       set a const volatile global before load (integer)
  --ifindex N           ingress_ifindex (default 1, as the kernel's test run)
  --queue N             rx_queue_index (default 0)
  --mtu N               MTU of the device, for bpf_check_mtu (default 65536, lo's)
  --pin-dir DIR         pin root for maps declared LIBBPF_PIN_BY_NAME: a map pinned
                        there is reused, and is pinned there again after the run
  --pinmaps DIR         after the run, pin every map as DIR/NAME (see xdpsim map)
  --trace               print bpf_printk output on standard error, as trace_pipe shows it

Without --jsonl (or with --jsonl to a file) a summary follows: verdict counts and
every map's contents as bpftool map dump prints them.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      sec: { type: 'string' },
      program: { type: 'string' },
      pcap: { type: 'string' },
      jsonl: { type: 'string' },
      setup: { type: 'string' },
      set: { type: 'string', multiple: true },
      ifindex: { type: 'string' },
      queue: { type: 'string' },
      mtu: { type: 'string' },
      engine: { type: 'string' },
      trace: { type: 'boolean' },
      'pin-dir': { type: 'string' },
      pinmaps: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected one object file');
    if (typeof values.pcap !== 'string') throw new UsageError('--pcap FILE is required');
    const engine = values.engine ?? 'interp';
    if (engine === 'jit') throw new Error('JIT not available: the eBPF-to-JavaScript compiler has not landed yet');
    if (engine !== 'interp') throw new UsageError(`unknown engine ${String(engine)}`);
    const ifindex = integerOption(values.ifindex, 'ifindex', 1);
    const queue = integerOption(values.queue, 'queue', 0);
    const mtu = integerOption(values.mtu, 'mtu', DEFAULT_MTU);

    const obj = loadObject(positionals[0]!, {
      globals: parseGlobals(values.set as unknown as string[] | undefined),
      ...(typeof values['pin-dir'] === 'string' && { pinRoot: values['pin-dir'] }),
      mtu,
      ...(values.trace === true && { trace: (message: string, cpu: number, ns: bigint) => io.stderr(formatTraceLine(message, cpu, ns) + '\n') }),
    });
    const program = obj.program({
      ...(typeof values.sec === 'string' && { section: values.sec }),
      ...(typeof values.program === 'string' && { program: values.program }),
    });
    if (typeof values.setup === 'string') applySetup(obj, parseSetup(await readFile(values.setup, 'utf8'), values.setup));

    const capture = readCapture(new Uint8Array(await readFile(values.pcap)));
    const out = openOutput(values.jsonl, io);
    const counts = new Map<string, number>();
    capture.packets.forEach((packet, i) => {
      const line = packetLine(program, packet, i, { ifindex, queue });
      const key = 'verdict' in line ? (XDP_ACTION_NAMES[line.verdict] ?? `0x${line.verdict.toString(16)}`) : `refused (${line.err})`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      out?.write(JSON.stringify(line) + '\n');
    });
    out?.write(JSON.stringify({ maps: dumpMapsHex(obj.maps) }) + '\n');
    out?.close();
    obj.pinMaps();
    if (typeof values.pinmaps === 'string') obj.pinMaps(values.pinmaps);

    if (values.jsonl !== '-') io.stdout(summary(obj, program.name, values.pcap, capture.packets.length, counts));
    if (capture.error) {
      io.stderr(`xdpsim run: ${values.pcap}: ${capture.error.message} (the ${capture.packets.length} packets before it were run)\n`);
      return 1;
    }
    return 0;
  },
};

function integerOption(text: string | boolean | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n > 0xffffffff) throw new UsageError(`--${name} takes an unsigned 32-bit integer`);
  return n;
}

function parseGlobals(sets: string[] | undefined): Record<string, bigint> {
  const globals: Record<string, bigint> = {};
  for (const s of sets ?? []) {
    const m = /^([A-Za-z_]\w*)=(-?(?:0x[0-9a-fA-F]+|\d+))$/.exec(s);
    if (!m) throw new UsageError(`--set takes VAR=INTEGER, got ${JSON.stringify(s)}`);
    globals[m[1]!] = m[2]!.startsWith('-') ? -BigInt(m[2]!.slice(1)) : BigInt(m[2]!);
  }
  return globals;
}

/** The line for one packet: its run, or why its link type cannot be turned into an Ethernet frame. */
function packetLine(program: XdpProgram, packet: CapturedPacket, i: number, options: XdpRunOptions): FrameLine {
  let frame: Uint8Array;
  try {
    frame = toEthernet(packet);
  } catch (e) {
    if (!(e instanceof LinkTypeError)) throw e;
    return { i, err: 'unsupported link type', reason: e.message };
  }
  return runFrame(program, i, frame, options);
}

interface Output {
  write(text: string): void;
  close(): void;
}

/**
 * Where JSON lines go: standard output, or a file written synchronously as
 * each packet is run, so a long capture streams out instead of piling up in memory.
 */
function openOutput(path: string | boolean | undefined, io: Io): Output | undefined {
  if (typeof path !== 'string') return undefined;
  if (path === '-') return { write: (t) => io.stdout(t), close: () => {} };
  const fd = openSync(path, 'w');
  return {
    write: (t) => void writeSync(fd, t),
    close: () => closeSync(fd),
  };
}

/** Entries per map shown in the summary; --jsonl has them all. */
const SUMMARY_ENTRIES = 16;

function summary(obj: LoadedObject, program: string, pcap: string, packets: number, counts: Map<string, number>): string {
  const lines = [`${program}: ${packets} packets from ${pcap}`];
  for (const [verdict, n] of [...counts].sort((a, b) => b[1] - a[1])) lines.push(`  ${verdict.padEnd(24)} ${n}`);
  for (const def of obj.object.maps) {
    const map = obj.maps.get(def.name)!;
    const entries = map.entries();
    lines.push('', `map ${def.name} (${MAP_TYPE_NAMES[def.type] ?? def.type}, ${entries.length} of ${def.maxEntries} entries):`);
    if (entries.length > 0) {
      const shown = entries.slice(0, SUMMARY_ENTRIES);
      lines.push(formatMapDump(shown, { keyTypeId: def.btfKeyTypeId, valueTypeId: def.btfValueTypeId }, obj.object.btf));
      if (entries.length > shown.length) lines.push(`(${entries.length - shown.length} more entries; --jsonl lists them all)`);
    }
  }
  return lines.join('\n') + '\n';
}
