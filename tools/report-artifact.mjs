#!/usr/bin/env node
// Writes dist/report-tables.bin of the arch package in the current directory:
// the fixed part of its report tables, computed by core from the catalog
// (core encodeReportTablesArtifact) and keyed by core's and this package's
// build ids, so pledge() copies it instead of building the tables on its first
// call. Run by the arch package's build after tsc and tools/build-id.mjs; a
// stale or changed artifact is never used (core useReportTablesArtifact).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'dist');
const mod = await import(pathToFileURL(path.join(dist, 'index.js')).href);
const { BUILD_ID } = await import(pathToFileURL(path.join(dist, 'build-id.js')).href);
const core = await import('@seccomp-scopes/core');
const arch = mod.default;
const artifact = core.encodeReportTablesArtifact(arch, BUILD_ID);
// What the artifact gives must be what the code computes (the code is the source of truth).
const pre = core.decodeReportTablesArtifact(arch, artifact, BUILD_ID);
if (typeof pre === 'string') throw new Error(`report tables artifact of ${arch.name}: ${pre}`);
fs.writeFileSync(path.join(dist, 'report-tables.bin'), artifact);
