#!/usr/bin/env node
// Entry point kept in plain JavaScript so the CLI starts without compiling TypeScript.
import { main } from '../dist/cli/main.js';

// A reader that goes away (`xdpsim ... | head`) ends the output, not in a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
