import type { VirtualNic } from './device.js';
import type { XdpTracepoint } from './trace.js';

/**
 * Where the receive path hands each frame once its verdict is acted on. A
 * frame is given as `bytes[start, end)`, its linear part, followed by each
 * of `frags` in order: the fragments of a multi-buffer frame (skb frags,
 * xdp_frame frags), the arena's shared empty list for the common linear
 * frame. What leaves is always the whole frame, as the kernel sends a frame
 * whole up the stack, out of a device or into an AF_XDP socket; byte
 * counters count the same bytes. Both are views of the memory the frame was
 * run in, valid only during the call (the next poll loads other frames
 * there), so a sink that keeps a frame copies it. `frame` is the index, in
 * the batch the poll was given, of the received frame it came from (for its
 * timestamp). The caller decides what a sink does: count, write a capture,
 * or nothing.
 */
export interface XdpSinks {
  /** XDP_PASS: the frame goes up the host stack of `dev` (from data; metadata is not part of the packet). */
  pass(dev: VirtualNic, queue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void;
  /** XDP_TX: the frame leaves `dev` on the wire, out of TX queue `txQueue`. */
  tx(dev: VirtualNic, txQueue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void;
  /**
   * A frame freed on RX queue `queue` of `dev`: `verdict` is XDP_DROP,
   * XDP_ABORTED (a program fault too), any invalid action, XDP_TX for one
   * the device could not send, or XDP_REDIRECT for a redirect that failed
   * (a full cpumap ring too); or what a devmap or cpumap entry's program
   * returned when it did not pass the frame.
   */
  drop(dev: VirtualNic, queue: number, verdict: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void;
  /** XDP_REDIRECT: the frame received on `from` leaves `to` on the wire, out of TX queue `txQueue`. */
  redirect(from: VirtualNic, to: VirtualNic, txQueue: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void;
  /**
   * XDP_REDIRECT into an xskmap: the frame goes to the RX ring of AF_XDP
   * socket `socket` (its xskmap id), bound to `queue` of `dev`. The sink
   * gets the packet whole: a socket bound with XDP_USE_SG receives one
   * longer than its chunks as several descriptors, each but the last with
   * XDP_PKT_CONTD, which its reader puts back together (__xsk_rcv).
   */
  xsk(dev: VirtualNic, queue: number, socket: number, bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void;
}

/** Sinks that let every frame go: for runs that only count. */
export const DISCARD_SINKS: XdpSinks = {
  pass: () => {},
  tx: () => {},
  drop: () => {},
  redirect: () => {},
  xsk: () => {},
};

/**
 * What the receive path reports besides frames, for a server to forward.
 * Tracepoint lines are formatted only when `trace` is set, as the kernel
 * formats nothing for a tracepoint nobody enabled.
 */
export interface NicEvents {
  trace?(tracepoint: XdpTracepoint, line: string): void;
  /** A frame dropped for a reason of the simulator's own: a program fault, or a frame it stops following (counted as unsimulated). */
  exception?(dev: VirtualNic, queue: number, message: string): void;
}
