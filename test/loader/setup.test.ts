// Setup files and hex values: any size parses, and a bad line is refused
// with the file, the line and what is wrong, never with the line itself.
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../src/loader/errors.js';
import { HexError, parseHexDigits, parseHexSpaced, parseHexStrict } from '../../src/encoding/hex.js';
import { loadObject } from '../../src/loader/load.js';
import { applySetup, parseSetup } from '../../src/loader/setup.js';

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof LoadError || e instanceof HexError) return e.message;
    throw e;
  }
  throw new Error('accepted');
};

describe('hex values', () => {
  it('of 8 MiB parse, as strings and as bytes', () => {
    const text = 'a5'.repeat(8 << 20);
    const bytes = parseHexStrict(text);
    expect(bytes.length).toBe(8 << 20);
    expect(bytes.every((b) => b === 0xa5)).toBe(true);
    expect(parseHexDigits(Buffer.from(text, 'latin1')).length).toBe(8 << 20);
  });

  it('spaced, as pasted: one parser with the strict form', () => {
    expect(parseHexSpaced('b7 00, 0x0a\n0xFF')).toEqual(Uint8Array.of(0xb7, 0x00, 0x0a, 0xff));
    expect(() => parseHexSpaced('b7 0')).toThrow('not hex bytes: 3 hex digits is an odd number');
  });

  it('take an optional 0x and both cases', () => {
    expect(parseHexStrict('0xA0fF')).toEqual(Uint8Array.of(0xa0, 0xff));
    expect(parseHexStrict('')).toEqual(new Uint8Array(0));
  });

  it.each([
    ['abc', 'not hex bytes: 3 hex digits is an odd number'],
    ['00zz', 'not hex: character 3 of 4 is not a hex digit'],
    ['0 00', 'not hex: character 2 of 4 is not a hex digit'],
    ['٠٠', 'not hex: character 1 of 2 is not a hex digit'],
    ['İ0', 'not hex: character 1 of 2 is not a hex digit'],
  ])('refuse %j without quoting it', (text, message) => {
    expect(() => parseHexStrict(text)).toThrow(message);
  });
});

describe('setup files', () => {
  it('carry a value of 8 MiB', () => {
    const [u] = parseSetup(`blob 00000000 ${'07'.repeat(8 << 20)}\n`, 'big.setup');
    expect(u!.value.length).toBe(8 << 20);
    const obj = loadObject('test/fixtures/objects/big_value.bpf.o');
    applySetup(obj, [u!]);
    expect((obj.map('blob').lookupElem(Uint8Array.of(0, 0, 0, 0)) as Uint8Array)[12345]).toBe(7);
  });

  it.each([
    ['a word too many', 'm 00 00 00\n', 'f.setup:1: expected MAP KEY_HEX VALUE_HEX'],
    ['a bad key', '# comment\n\nm 0g 00\n', 'f.setup:3: key: not hex: character 2 of 2 is not a hex digit'],
    ['an odd value', 'm 00 000\n', 'f.setup:1: value: not hex bytes: 3 hex digits is an odd number'],
  ])('refuse %s, saying where', (_, text, message) => {
    expect(refusal(() => parseSetup(text, 'f.setup'))).toBe(message);
  });

  it('name the line of an update the map refuses, and an unknown map printably', () => {
    const obj = loadObject('test/fixtures/objects/big_value.bpf.o');
    expect(refusal(() => applySetup(obj, parseSetup('blob 00000000 00\n', 'f.setup')))).toBe(
      `f.setup:1: blob: value must be ${8 << 20} bytes, got 1: EINVAL`,
    );
    expect(refusal(() => applySetup(obj, parseSetup('\nno\u001b[2Jpe 00 00\n', 'f.setup')))).toBe('f.setup:2: object has no map named no\\x1b[2Jpe');
  });

  it('read a binary file as one bad line, saying so without quoting it', () => {
    const junk = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x20, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x20, 0x78, 0x0a]).toString('latin1');
    const message = refusal(() => parseSetup(junk, 'prog.o'));
    expect(message).toBe('prog.o:1: key: not hex: character 1 of 6 is not a hex digit');
    expect(message).not.toContain('secret');
  });
});
