// What a sink of the receive path gets, as one array: a frame's linear part
// `bytes[start, end)` followed by its fragments (XdpSinks).

/** A copy of the whole frame a sink was handed: the linear part, then each fragment in order. */
export function frameBytes(bytes: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frags.reduce((n, f) => n + f.length, end - start));
  out.set(bytes.subarray(start, end));
  let at = end - start;
  for (const f of frags) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}
