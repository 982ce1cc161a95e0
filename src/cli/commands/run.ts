import { printableName } from '../../encoding/names.js';
import type { Ktime } from '../../helpers/clock.js';
import { DEFAULT_MTU } from '../../helpers/state.js';
import { parseSocketTable, SocketConfigError } from '../../helpers/socket-table.js';
import { SYNCOOKIE_SECRET_SIZE } from '../../helpers/syncookie.js';
import { formatTraceLine } from '../../helpers/trace-pipe.js';
import { loadObject, type LoadedObject } from '../../loader/load.js';
import { parseHexStrict } from '../../encoding/hex.js';
import { LoadError } from '../../loader/errors.js';
import { applySetup, parseSetup } from '../../loader/setup.js';
import { writeMapsHex } from '../../maps/dump.js';
import { writeMapDump } from '../../maps/format.js';
import { PinError, pinPath } from '../../maps/pin.js';
import { MAP_TYPE_NAMES, XDP_ACTION_NAMES } from '../../uapi/bpf.js';
import { RuntimeError } from '../../vm/errors.js';
import { followCapture } from '../../replay/capture-clock.js';
import { CaptureReader, LINKTYPE_ETHERNET, LinkTypeError, PacketBatch, toEthernet } from '../../pcap/index.js';
import { refusedLine, testRunRefusal, type FrameLine } from '../../testrun/index.js';
import type { ExecutionContext, Executable } from '../../engine/index.js';
import { hex } from '../../maps/dump.js';
import { XDP_BATCH } from '../../xdp/arena.js';
import type { FrameError } from '../../xdp/frame-error.js';
import { engineOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { integerOption, MAX_SETUP_FILE, MAX_SOCKETS_FILE, parseGlobals, readTextFile } from '../options.js';
import { ENGINES } from '../../engine/index.js';
import { Output } from '../output.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run every packet of a capture through an XDP program',
  usage: `usage: xdpsim run OBJ (--sec S | --program F) --pcap FILE [--jsonl OUT]
                  [--setup FILE] [--set VAR=VALUE]... [--ifindex N] [--queue N] [--mtu N]
                  [--pin-dir DIR] [--pinmaps DIR] [--engine ${ENGINES.join('|')}] [--trace]
                  [--sockets FILE] [--syncookie-secret HEX]

Loads OBJ as libbpf/iproute2 do and runs each packet of FILE (pcap or pcapng;
non-Ethernet link types are converted) in order, as BPF_PROG_TEST_RUN would:
maps persist across packets. Simulated time follows the packets' timestamps:
the clocks read them, and bpf_timers fire as they pass (a fault in a timer's
callback is reported on the line of the packet it came before, which is then
not run). Timers still armed after the last packet are cancelled: xdpsim
cannot keep them running past its process, as the kernel would for maps
left pinned.

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
  --sockets FILE        the host's TCP and UDP sockets, which bpf_sk_lookup_* find
                        (JSON, see README "Sockets"); without it lookups find nothing
  --syncookie-secret HEX  the SYN cookie keys (64 bytes, 128 hex digits); cookies
                        repeat within one minute of the clock (they encode it);
                        without it, random keys as at boot

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
      sockets: { type: 'string' },
      'syncookie-secret': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected one object file');
    if (typeof values.pcap !== 'string') throw new UsageError('--pcap FILE is required');
    const engine = engineOption(values.engine);
    const ifindex = integerOption(values.ifindex, 'ifindex', 1);
    const queue = integerOption(values.queue, 'queue', 0);
    const mtu = integerOption(values.mtu, 'mtu', DEFAULT_MTU);

    const selector = typeof values.sec === 'string' || typeof values.program === 'string' ? {
      ...(typeof values.sec === 'string' && { section: values.sec }),
      ...(typeof values.program === 'string' && { program: values.program }),
    } : undefined;
    const obj = loadObject(positionals[0]!, {
      ...(selector && { select: selector }),
      globals: parseGlobals(values.set as unknown as string[] | undefined),
      ...(typeof values['pin-dir'] === 'string' && { pinRoot: values['pin-dir'] }),
      mtu,
      ...(typeof values.sockets === 'string' && {
        sockets: parseSocketTable(await readTextFile(values.sockets, MAX_SOCKETS_FILE, 'a socket table', SocketConfigError), values.sockets),
      }),
      ...(typeof values['syncookie-secret'] === 'string' && { syncookieSecret: secretOption(values['syncookie-secret']) }),
      ...(values.trace === true && { trace: (message: string, cpu: number, ns: Readonly<Ktime>) => io.stderr(formatTraceLine(message, cpu, ns) + '\n') }),
    });
    const program = obj.program(selector);
    if (typeof values.setup === 'string') {
      applySetup(obj, parseSetup(await readTextFile(values.setup, MAX_SETUP_FILE, 'a setup file', LoadError), values.setup));
    }
    if (typeof values.pinmaps === 'string') checkPinNames(obj, values.pinmaps);

    const reader = await CaptureReader.open(values.pcap);
    const out = typeof values.jsonl !== 'string' ? undefined : values.jsonl === '-' ? Output.stdout(io) : Output.file(values.jsonl);
    const executable = obj.compile(program, engine);
    const context = obj.context(0);
    const counts = new VerdictCounts();
    const advance = followCapture(obj);
    const refusal = testRunRefusal(program.info);
    const batch = new PacketBatch(XDP_BATCH);
    let packets = 0;
    try {
      for (let n = await reader.read(batch); n > 0; n = await reader.read(batch)) {
        for (let k = 0; k < n; k++, packets++) {
          const fault = timerFault(packets, () => advance(batch.tsSec[k]!, batch.tsNsec[k]!));
          if (fault !== undefined) {
            counts.add(fault);
            out?.write(JSON.stringify(fault) + '\n');
            continue;
          }
          const verdict = runPacket(executable, context, batch, k, ifindex, queue, refusal);
          if (typeof verdict === 'number') {
            counts.addVerdict(verdict);
            if (out) out.write(JSON.stringify(verdictLine(packets, verdict, context)) + '\n');
          } else {
            counts.add(verdict);
            out?.write(JSON.stringify({ ...verdict, i: packets }) + '\n');
          }
        }
        await out?.drain();
      }
      // The timers the last packet left due (0 ns ones) fire right after it, before user space reads the maps.
      const fault = timerFault(packets, () => obj.advanceTo(obj.clock.current()));
      if (fault !== undefined) io.stderr(`xdpsim run: after the last packet: ${fault.reason}\n`);
      if (out) await writeMapsHex(obj.maps, out);
    } finally {
      out?.close();
      await reader.close();
    }
    // Timers cannot outlive xdpsim's process: those still armed are cancelled, as with the maps' last user reference.
    const cancelled = obj.releaseMaps();
    // Pinned before the summary: a reader of the summary that goes away (`| head`) ends the process.
    obj.pinMaps();
    if (typeof values.pinmaps === 'string') obj.pinMaps(values.pinmaps);
    if (values.jsonl !== '-') await summary(obj, program.name, values.pcap, packets, counts.entries(), cancelled, Output.stdout(io));
    if (reader.error) {
      io.stderr(`xdpsim run: ${values.pcap}: ${reader.error.message} (the ${packets} packets before it were run)\n`);
      return 1;
    }
    return 0;
  },
};

function secretOption(text: string): Uint8Array {
  const bytes = /^(?:0x)?[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0 ? parseHexStrict(text) : undefined;
  if (bytes?.length !== SYNCOOKIE_SECRET_SIZE) throw new UsageError(`--syncookie-secret takes ${SYNCOOKIE_SECRET_SIZE} bytes as ${2 * SYNCOOKIE_SECRET_SIZE} hex digits`);
  return bytes;
}

/**
 * Runs `advance`, which lets simulated time run on to packet `i`; a fault in
 * a timer callback it fires becomes that packet's line, as a fault of the
 * program does (runFrame), so the run goes on and its maps are still dumped.
 */
function timerFault(i: number, advance: () => void): { i: number; err: string; reason: string } | undefined {
  try {
    advance();
    return undefined;
  } catch (e) {
    if (e instanceof RuntimeError) return { i, err: 'fault', reason: e.message };
    throw e;
  }
}

/** A packet the kernel would not run, or that cannot be made an Ethernet frame: its line without `i`. */
type RefusedLine = Exclude<FrameLine, { verdict: number }>;

/**
 * Runs packet `k` of the batch in slot 0 of `context`, where it is copied
 * once and runs in place; returns R0, or the line of a packet that does not
 * run. Ethernet frames are copied straight from the reader's buffer.
 */
function runPacket(
  executable: Executable,
  context: ExecutionContext,
  batch: PacketBatch,
  k: number,
  ifindex: number,
  queue: number,
  refusal: FrameError | undefined,
): number | RefusedLine {
  let frame: Uint8Array | undefined;
  if (batch.linkType[k] !== LINKTYPE_ETHERNET) {
    try {
      frame = toEthernet(batch.packet(k));
    } catch (e) {
      if (!(e instanceof LinkTypeError)) throw e;
      return { i: 0, err: 'unsupported link type', reason: e.message };
    }
  }
  try {
    context.runDueTimers();
    if (refusal) throw refusal;
    if (frame) context.arena.load(0, frame);
    else context.arena.load(0, batch.bytes, batch.offset[k], batch.capLen[k]);
    return executable.run(context, 0, ifindex, queue);
  } catch (e) {
    const line = refusedLine(0, e);
    if (line === undefined) throw e;
    return line;
  }
}

/** The --jsonl line of packet `i` that ran: its verdict and the frame it left in slot 0. */
function verdictLine(i: number, verdict: number, context: ExecutionContext): FrameLine {
  const data = context.arena.output(0);
  return { i, verdict, len: data.length, out: hex(data) };
}

/**
 * Verdict counts kept as numbers while packets run; their names, in order of
 * first appearance (the summary's order among equal counts), made at the end.
 */
class VerdictCounts {
  private readonly actions = new Float64Array(XDP_ACTION_NAMES.length);
  private readonly others = new Map<string, number>();
  private readonly order: string[] = [];

  addVerdict(verdict: number): void {
    if (verdict < XDP_ACTION_NAMES.length) {
      if (this.actions[verdict]++ === 0) this.order.push(XDP_ACTION_NAMES[verdict]!);
    } else {
      this.addKey(`0x${verdict.toString(16)}`);
    }
  }

  add(line: RefusedLine): void {
    this.addKey(`refused (${line.err})`);
  }

  private addKey(key: string): void {
    const n = this.others.get(key) ?? 0;
    if (n === 0) this.order.push(key);
    this.others.set(key, n + 1);
  }

  entries(): Map<string, number> {
    const action = (key: string): number => XDP_ACTION_NAMES.indexOf(key as (typeof XDP_ACTION_NAMES)[number]);
    return new Map(this.order.map((key) => [key, action(key) >= 0 ? this.actions[action(key)]! : this.others.get(key)!]));
  }
}

/**
 * `--pinmaps DIR` pins every map after the run; each must have a pin name
 * of its own, checked before the run so that a bad name cannot cost it.
 */
function checkPinNames(obj: LoadedObject, dir: string): void {
  const seen = new Map<string, string>();
  for (const name of obj.maps.keys()) {
    const path = pinPath(dir, name);
    const other = seen.get(path);
    if (other !== undefined) throw new PinError(`maps '${printableName(other)}' and '${printableName(name)}' would both be pinned as ${path}`);
    seen.set(path, name);
  }
}

/** Entries per map shown in the summary; --jsonl has them all. */
const SUMMARY_ENTRIES = 16;

function* firstEntries<T>(entries: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const e of entries) {
    yield e;
    if (--n === 0) return;
  }
}

/** Verdict counts, then each map with its first entries, written as they are made. */
async function summary(
  obj: LoadedObject,
  program: string,
  pcap: string,
  packets: number,
  counts: Map<string, number>,
  cancelledTimers: number,
  out: Output,
): Promise<void> {
  try {
    out.write(`${printableName(program)}: ${packets} packets from ${pcap}\n`);
    for (const [verdict, n] of [...counts].sort((a, b) => b[1] - a[1])) out.write(`  ${verdict.padEnd(24)} ${n}\n`);
    if (cancelledTimers > 0) {
      const timers = `${cancelledTimers} bpf_timer${cancelledTimers === 1 ? '' : 's'}`;
      out.write(`  ${timers} still armed after the last packet, cancelled (xdpsim cannot keep timers past its process)\n`);
    }
    for (const def of obj.object.maps) {
      const map = obj.maps.get(def.name)!;
      const count = map.entryCount();
      out.write(`\nmap ${printableName(def.name)} (${MAP_TYPE_NAMES[def.type] ?? def.type}, ${count} of ${map.spec.maxEntries} entries):\n`);
      if (count === 0) continue;
      const types = { keyTypeId: def.btfKeyTypeId, valueTypeId: def.btfValueTypeId };
      await writeMapDump(firstEntries(map.entries(), SUMMARY_ENTRIES), types, obj.object.btf, out);
      out.write('\n');
      if (count > SUMMARY_ENTRIES) out.write(`(${count - SUMMARY_ENTRIES} more entries; --jsonl lists them all)\n`);
    }
  } finally {
    out.close();
  }
}
