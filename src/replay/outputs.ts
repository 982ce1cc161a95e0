import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VirtualNic } from '../nic/device.js';
import type { XdpSinks } from '../nic/sinks.js';
import { PcapError, PcapFileWriter } from '../pcap/index.js';
import { XDP_DROP, XDP_REDIRECT, XDP_TX } from '../uapi/bpf.js';
import type { FrameChunk } from './chunk.js';

/**
 * A replay's output captures, one pcap per fate, each frame whole as it
 * left (the program's changes included; a multi-buffer frame's linear part
 * then its fragments, as the kernel hands on the whole frame, so a capture's
 * bytes are the bytes the device counters count) with the timestamp of the
 * frame it was received as:
 * - `pass.pcap`: frames handed to the host stack (XDP_PASS, and what a
 *   cpumap passed on);
 * - `tx.pcap`: XDP_TX frames sent back out;
 * - `drop.pcap`: XDP_DROP, and frames freed because their XDP_TX or
 *   redirect failed, or that a devmap or cpumap entry's program dropped;
 * - `aborted.pcap`: XDP_ABORTED, program faults and invalid actions;
 * - `redirect-DEV.pcap`: frames redirected out of device DEV;
 * - `xsk-Q.pcap`: frames redirected into the AF_XDP socket of RX queue Q.
 * The first four are written even when empty, so a reader finds them.
 */
export class ReplayOutputs implements XdpSinks {
  private readonly files = new Map<string, PcapFileWriter>();
  private readonly passFile: PcapFileWriter;
  private readonly txFile: PcapFileWriter;
  private readonly dropFile: PcapFileWriter;
  private readonly abortedFile: PcapFileWriter;
  private chunk: FrameChunk | undefined;
  /** Frames no capture could hold (a timestamp outside what pcap writes), and the first reason. */
  unwritable = 0;
  firstProblem: string | undefined;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.passFile = this.file('pass.pcap');
    this.txFile = this.file('tx.pcap');
    this.dropFile = this.file('drop.pcap');
    this.abortedFile = this.file('aborted.pcap');
  }

  /** The chunk whose frames are being run: where timestamps come from. */
  use(chunk: FrameChunk): void {
    this.chunk = chunk;
  }

  pass(_dev: VirtualNic, _queue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.write(this.passFile, bytes, start, end, frags, frame);
  }

  tx(_dev: VirtualNic, _txQueue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.write(this.txFile, bytes, start, end, frags, frame);
  }

  drop(_dev: VirtualNic, _queue: number, verdict: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    const dropped = verdict === XDP_DROP || verdict === XDP_TX || verdict === XDP_REDIRECT;
    this.write(dropped ? this.dropFile : this.abortedFile, bytes, start, end, frags, frame);
  }

  redirect(_from: VirtualNic, to: VirtualNic, _txQueue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.write(this.file(`redirect-${to.name}.pcap`), bytes, start, end, frags, frame);
  }

  xsk(_dev: VirtualNic, queue: number, _socket: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.write(this.file(`xsk-${queue}.pcap`), bytes, start, end, frags, frame);
  }

  /** Frames written to each file, by file name. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.files].map(([name, w]) => [name, w.packetCount]));
  }

  /** Paths of the files written, by file name. */
  paths(): Record<string, string> {
    return Object.fromEntries([...this.files].map(([name, w]) => [name, w.path]));
  }

  close(): void {
    for (const w of this.files.values()) w.close();
  }

  /**
   * Takes in the captures another thread's ReplayOutputs wrote in `dir`
   * (closed), appending their frames to the files of the same name here,
   * and removes that directory: the outputs of a replay on several threads
   * hold each thread's frames in its own order.
   */
  absorb(dir: string): void {
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.pcap')) continue;
      this.file(name).appendRecordsOf(join(dir, name));
    }
    rmSync(dir, { recursive: true, force: true });
  }

  /** Counts frames another thread could not write to its outputs, and its first reason. */
  addUnwritable(count: number, problem: string | undefined): void {
    this.unwritable += count;
    if (problem !== undefined) this.firstProblem ??= problem;
  }

  /** Device names are checked by validDeviceName (no '/'), so a file name made of one stays in `dir`. */
  private file(name: string): PcapFileWriter {
    let w = this.files.get(name);
    if (w === undefined) {
      w = new PcapFileWriter(join(this.dir, name));
      this.files.set(name, w);
    }
    return w;
  }

  /** Writes the frame `bytes[start, end)` then `frags` as one record, stamped as received frame `frame` of the chunk. */
  private write(file: PcapFileWriter, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    const chunk = this.chunk!;
    try {
      // A frame the capture cut short stays as much longer on the wire as it was (a record claiming less than it holds, nothing).
      const cut = Math.max(0, chunk.origLen[frame]! - chunk.capLen[frame]!);
      let length = end - start;
      for (let i = 0; i < frags.length; i++) length += frags[i]!.length;
      file.appendFrame(bytes, start, end, frags, chunk.tsSec[frame]!, chunk.tsNsec[frame]!, length + cut);
    } catch (e) {
      if (!(e instanceof PcapError)) throw e;
      this.unwritable++;
      this.firstProblem ??= e.message;
    }
  }
}
