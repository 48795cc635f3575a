#!/usr/bin/env node
// The `pledge` command. This stub exists before the build, so npm can link
// it at install time; the command itself is compiled to ../dist/cli.js.
await import('../dist/cli.js');
