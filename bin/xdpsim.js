#!/usr/bin/env node
// Entry point kept in plain JavaScript so the CLI starts without compiling TypeScript.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
