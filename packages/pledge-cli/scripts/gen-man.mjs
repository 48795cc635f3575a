#!/usr/bin/env node
// Writes man/pledge.1 (package.json "man", so `man pledge` finds it after a
// global install) from the commander program of dist/main.js: the same
// source as --help and `pledge man`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/main.js';
import { manPage } from '../dist/unix.js';

mkdirSync(new URL('../man/', import.meta.url), { recursive: true });
writeFileSync(new URL('../man/pledge.1', import.meta.url), manPage(buildProgram(() => {})));
