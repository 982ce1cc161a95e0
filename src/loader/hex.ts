/** Hex digits without separators (an optional 0x prefix) to bytes; anything else is an error. */
export function parseHexStrict(text: string): Uint8Array {
  const t = text.replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(t)) throw new Error(`${JSON.stringify(text)} is not an even number of hex digits`);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}
