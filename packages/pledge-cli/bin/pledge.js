#!/usr/bin/env node
// The `pledge` command (src/main.ts, compiled to ../dist/main.js), and the
// only place that runs it. This file exists before the build, so npm can
// link it at install time.
import { main } from '../dist/main.js';

process.exitCode = main(process.argv.slice(2));
