#!/usr/bin/env node
/** The `minicard-server` executable: runs the CLI (`cli.ts`) with this process's arguments. */

import { main } from "./cli.js";

const code = await main(process.argv.slice(2));
// `start` keeps running: its listeners hold the process open; everything else exits.
if (process.argv[2] !== "start" || code !== 0) process.exit(code);
