#!/usr/bin/env node
// Entry point kept in plain JavaScript so the CLI starts without compiling TypeScript.
import { main, standardOutputClosed } from '../dist/cli/main.js';

// A reader that goes away (`xdpsim ... | head`) ends the output, not the command: pins are still written.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') return standardOutputClosed();
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
