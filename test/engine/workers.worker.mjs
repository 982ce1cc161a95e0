// A worker thread for test/engine/workers.test.ts: takes up the object the
// test loaded and shared (attachObject), claims an execution context of its
// own and runs the program over `packets` frames of its own in batches, as
// an RX queue's thread would. Workers cannot load .ts, so this runs the built
// dist/ (npm run build). It reports what it ran and anything that went wrong.
import { parentPort, workerData } from 'node:worker_threads';
import { attachObject } from '../../dist/loader/load.js';

const { shared, thread, cpu, packets, frameLength, batch, gate } = workerData;
const obj = attachObject(shared);
const executable = obj.compile(obj.program(), 'interp');
const context = obj.context(cpu);
const frames = Array.from({ length: batch }, () => {
  const f = new Uint8Array(frameLength);
  f[12] = 0x08; // IPv4, for any reader of the frame
  f[14] = thread;
  return f;
});
const verdicts = new Uint32Array(batch);
// Ready: wait for the test to start every thread at once, so that their runs overlap.
parentPort.postMessage({ ready: context.id });
Atomics.wait(new Int32Array(gate), 0, 0);
const counts = {};
for (let first = 0; first < packets; first += batch) {
  const n = Math.min(batch, packets - first);
  for (let k = 0; k < n; k++) {
    new DataView(frames[k].buffer).setUint32(16, first + k, true);
    context.arena.load(k, frames[k]);
  }
  executable.runBatch(context, 0, n, 1, thread, verdicts);
  for (let k = 0; k < n; k++) counts[verdicts[k]] = (counts[verdicts[k]] ?? 0) + 1;
}
parentPort.postMessage({ thread, context: context.id, counts });
