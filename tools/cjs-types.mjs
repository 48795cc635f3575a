#!/usr/bin/env node
// CommonJS declarations for an ES module package: copies dist/**/*.d.ts to
// dist/cjs/**/*.d.cts with relative specifiers renamed (./x.js -> ./x.cjs),
// so TypeScript's module node16/nodenext CommonJS users resolve the
// package's "require" condition to CommonJS-format types (no TS1479). At run
// time the same ES module serves require() (Node >= 20.19 loads ES modules
// with require(); engines says so). Run by each package's build after tsc.
import fs from 'node:fs';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const out = path.join(dist, 'cjs');
fs.rmSync(out, { recursive: true, force: true });
for (const rel of fs.readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!rel.endsWith('.d.ts') || rel.startsWith(`cjs${path.sep}`)) continue;
  const text = fs.readFileSync(path.join(dist, rel), 'utf8')
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1$2.cjs$3');
  const target = path.join(out, rel.replace(/\.d\.ts$/, '.d.cts'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
}
