import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const XDPSIM = resolve(import.meta.dirname, '../../bin/xdpsim.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a separate process, as a user or the conformance runner would. */
export function runCli(args: string[], stdin = ''): Promise<CliResult> {
  return runProcess(process.execPath, [XDPSIM, ...args], stdin);
}

/** Runs `command` with `args` (the CLI, or a shell around it), `stdin` written to its standard input. */
export function runProcess(command: string, args: string[], stdin: string | Uint8Array = ''): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
