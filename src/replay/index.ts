/**
 * Replaying captures through a virtual NIC: the captures read into chunks
 * of frames in shared memory, each frame filed on an RX queue by the
 * device's RSS (feed.ts, chunk.ts); the program attached to the device in
 * native, generic or offload mode and a receive path built per queue
 * (datapath.ts); each thread's queues polled round by round over a chunk
 * (runner.ts), with simulated time following the capture (capture-clock.ts);
 * the pace frames arrive at (pace.ts); loops, progress and cancelling
 * (replay.ts); the captures written per verdict (outputs.ts); the devices
 * from a topology file (topology-file.ts); worker threads polling queues
 * (workers.ts, worker-main.ts, worker-protocol.ts); and all of it put
 * together as one ReplaySession with an event stream (session.ts). A
 * library: the CLI drives it now, the HTTP control plane will.
 *
 * May import: errors, uapi, vm, isa, elf, maps, helpers, engine, testrun, loader, pcap, nic.
 */
export { FrameChunk, type SharedChunk } from './chunk.js';
export { ReplayError } from './errors.js';
export { followCapture } from './capture-clock.js';
export { attachXdp, MODE_NAMES, rxPaths, xdpProg, type DatapathOptions, type ModeName } from './datapath.js';
export { CaptureFeed, type CaptureProblem, type QueueOf } from './feed.js';
export { ReplayOutputs } from './outputs.js';
export { checkSpeed, Pacer, SpeedError, type ReplaySpeed } from './pace.js';
export { Replay, type FrameRunner, type ReplayOptions, type ReplayProgress, type ReplayResult } from './replay.js';
export { ChunkRunner, type RunnerEvents } from './runner.js';
export { MAX_WORKERS, PRELOAD_LIMIT, ReplaySession, type CounterDelta, type ReplayEvent, type ReplaySessionOptions } from './session.js';
export { buildTopology, parseTopology, TopologyError, type BuiltTopology, type DeviceSpec, type SharedTopology, type TopologySpec } from './topology-file.js';
export { queuesOfWorker, WorkerPool, WorkerRefusal } from './workers.js';
