import { closeSync, openSync, writeSync } from 'node:fs';
import type { TextOut } from '../maps/format.js';
import type { Io } from './command.js';

/** Text gathered before one write: few writes for millions of short lines, little memory for any output. */
const CHUNK = 64 << 10;

/**
 * A command's long output (JSON lines, map dumps) on its way to standard
 * output or to a file, written as it is made: in chunks, a file
 * synchronously, standard output waited for at each `drain`, so an output of
 * any length needs memory for one chunk and the entry being written.
 */
export class Output implements TextOut {
  /** Pieces gathered (joined once per chunk: appending millions of short tokens to one string makes a node per token). */
  private parts: string[] = [];
  private length = 0;

  private constructor(
    private readonly put: (text: string) => void,
    private readonly wait: () => Promise<void>,
    private readonly done: () => void,
  ) {}

  static stdout(io: Io): Output {
    return new Output((t) => io.stdout(t), () => io.drain(), () => {});
  }

  static file(path: string): Output {
    const fd = openSync(path, 'w');
    return new Output((t) => void writeSync(fd, t), async () => {}, () => closeSync(fd));
  }

  write(text: string): void {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= CHUNK) this.flush();
  }

  drain(): Promise<void> {
    return this.wait();
  }

  /** Writes what is gathered and, for a file, closes it. */
  close(): void {
    this.flush();
    this.done();
  }

  private flush(): void {
    if (this.length === 0) return;
    this.put(this.parts.join(''));
    this.parts = [];
    this.length = 0;
  }
}
