/**
 * Learn mode (`pledge learn`, issue 14), the facade's side: with
 * SECCOMP_SCOPES_LEARN=1, pledge() and unveil() validate as when enforcing,
 * then make the learn marker; a learner's LEARN_ACK records the call and
 * nothing is installed, anything else enforces it (docs/guide.md "Learn
 * mode"). The learner here is test/fixtures/fake-learner.c, built against
 * the addon's protocol.h. Runs on every supported Node line (runChild uses
 * SECCOMP_SCOPES_TEST_NODE).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildFixture } from './build-fixture.js';
import { KILLED, describeEnd, runChild, type ChildResult } from './child.js';

const DIST = JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'));
const NATIVE_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/src');
const WARNING = 'SECCOMP_SCOPES_LEARN=1 is set but no learner answered';

interface LearnRecord {
  v: number; call: string; promises: string | null; execpromises: string | null; path: string | null; permissions: string | null; site: string;
}

/** Runs `code` under the fake learner (`ack`, `continue` or `ack-first`); returns the child's result and the records it captured. */
function underLearner(mode: 'ack' | 'continue' | 'ack-first', code: string): { r: ChildResult; records: LearnRecord[] } {
  const learner = buildFixture('fake-learner', ['-I', NATIVE_SRC]);
  const recordsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-learn-')), 'records.jsonl');
  const r = runChild(code, { wrapper: [learner, recordsFile, mode], timeoutMs: 60_000 });
  const text = fs.existsSync(recordsFile) ? fs.readFileSync(recordsFile, 'utf8') : '';
  return { r, records: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LearnRecord) };
}

/** `file:line` of the line of the child's module (or of `file` in its directory) that contains `marker`. */
function siteOf(r: ChildResult, marker: string, file = 'child.mjs'): string {
  const full = path.join(r.dir, file);
  const line = fs.readFileSync(full, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  expect(line, marker).toBeGreaterThanOrEqual(0);
  return `${full}:${line + 1}:`;
}

const tryCode = `const attempt = (f) => { try { const v = f(); return v === undefined ? 'ok' : v; } catch (e) { return e.code + ' ' + e.reason; } };`;

describe('learn mode: a learner that answers LEARN_ACK', () => {
  it('gets one record per validated call, with its call site; nothing is enforced; errors are those of enforcement', () => {
    const { r, records } = underLearner('ack', `
      import fs from 'node:fs';
      const { unveil } = await import(${DIST});
      ${tryCode}
      fs.writeFileSync(dir + '/data.txt', 'data');
      const out = [];
      out.push(attempt(() => pledge('stdio bogus')));
      out.push(attempt(() => pledge('stdio', 'stdio rpath')));
      out.push(attempt(() => unveil(dir, 'rz')));
      unveil(dir, 'r'); // SITE-UNVEIL
      const first = pledge('stdio rpath unveil', 'stdio'); // SITE-PLEDGE-1
      out.push(attempt(() => pledge('stdio rpath inet')));
      out.push(attempt(() => pledge(null, 'stdio rpath')));
      out.push(attempt(() => unveil('/tmp', 'r')));
      const second = pledge('stdio'); // SITE-PLEDGE-2
      out.push(attempt(() => pledge('stdio rpath')));
      // Each of these is refused when enforced (wpath/cpath, rpath, a path not unveiled, inet).
      fs.writeFileSync(dir + '/new.txt', 'new');
      out.push(fs.readFileSync(dir + '/data.txt', 'utf8'));
      out.push(fs.readFileSync('/etc/hostname', 'utf8').length > 0 ? 'hostname' : 'empty');
      const net = await import('node:net');
      const server = net.createServer().listen(0, '127.0.0.1');
      await new Promise((res) => server.once('listening', res));
      server.close();
      out.push('listened');
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      out.push(status.match(/^Seccomp_filters:\\s*(\\d+)/m)?.[1], status.match(/^NoNewPrivs:\\s*(\\d+)/m)?.[1]);
      out.push(first.promises, second.promises, second.execpromises, String(second.filters));
      console.log(JSON.stringify(out));
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(r.stderr).not.toContain(WARNING);
    expect(JSON.parse(r.stdout)).toEqual([
      'EINVAL UNKNOWN_PROMISE', 'EINVAL BAD_ARGUMENT', 'EINVAL BAD_ARGUMENT',
      'EPERM PRIVILEGE_INCREASE', 'EPERM PRIVILEGE_INCREASE', 'EPERM UNVEIL_LOCKED',
      'EPERM PRIVILEGE_INCREASE',
      'data', 'hostname', 'listened',
      '1', '0', // only the learner's filter; no no_new_privs (the learner runs as root and sets none)
      'stdio rpath unveil', 'stdio', 'stdio', '2',
    ]);
    // Refused calls made no marker: three records, in call order.
    expect(records.map((x) => ({ ...x, site: undefined }))).toEqual([
      { v: 1, call: 'unveil', promises: null, execpromises: null, path: r.dir, permissions: 'r', site: undefined },
      { v: 1, call: 'pledge', promises: 'stdio rpath unveil', execpromises: 'stdio', path: null, permissions: null, site: undefined },
      { v: 1, call: 'pledge', promises: 'stdio', execpromises: null, path: null, permissions: null, site: undefined },
    ]);
    expect(records[0]!.site.startsWith(siteOf(r, 'SITE-UNVEIL')), records[0]!.site).toBe(true);
    expect(records[1]!.site.startsWith(siteOf(r, 'SITE-PLEDGE-1')), records[1]!.site).toBe(true);
    expect(records[2]!.site.startsWith(siteOf(r, 'SITE-PLEDGE-2')), records[2]!.site).toBe(true);
    expect(records[2]!.site).toMatch(/:\d+:\d+$/);
  });

  it('records a pledge() made in a Worker with the Worker file as its site, and the state is the process\'s', () => {
    const { r, records } = underLearner('ack', `
      import fs from 'node:fs';
      import { Worker } from 'node:worker_threads';
      ${tryCode}
      fs.writeFileSync(dir + '/worker.mjs', [
        'const { pledge } = await import(${DIST.replace(/'/g, "\\'")});',
        'const { parentPort } = await import("node:worker_threads");',
        'pledge("stdio rpath"); // SITE-WORKER',
        'parentPort.postMessage("pledged");',
      ].join('\\n'));
      const w = new Worker(dir + '/worker.mjs');
      const message = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      await w.terminate();
      const out = [message, attempt(() => pledge('stdio rpath inet'))];
      fs.writeFileSync(dir + '/new.txt', 'new');
      out.push('wrote');
      console.log(JSON.stringify(out));
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['pledged', 'EPERM PRIVILEGE_INCREASE', 'wrote']);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ call: 'pledge', promises: 'stdio rpath', execpromises: null });
    expect(records[0]!.site.startsWith(siteOf(r, 'SITE-WORKER', 'worker.mjs')), records[0]!.site).toBe(true);
  });

  it('with source maps enabled, the site is the position in the mapped source (a TypeScript file\'s)', () => {
    // app.mjs's map sends its line N to line N+10 of app.ts (VLQ: AAUA, then AACA per line).
    const map = Buffer.from(JSON.stringify({ version: 3, sources: ['app.ts'], names: [], mappings: 'AAUA;AACA;AACA' })).toString('base64');
    const learner = buildFixture('fake-learner', ['-I', NATIVE_SRC]);
    const recordsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-learn-')), 'records.jsonl');
    const r = runChild(`
      import fs from 'node:fs';
      fs.writeFileSync(dir + '/app.mjs', ['const { pledge } = await import(${DIST.replace(/'/g, "\\'")});', "pledge('stdio');", '//# sourceMappingURL=data:application/json;base64,${map}'].join('\\n'));
      await import(dir + '/app.mjs');
      console.log('done');
    `, { wrapper: [learner, recordsFile, 'ack'], nodeArgs: ['--enable-source-maps'], timeoutMs: 60_000 });
    expect(r.stdout, describeEnd(r)).toBe('done\n');
    const records = fs.readFileSync(recordsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LearnRecord);
    expect(records.map((x) => x.site)).toEqual([`${path.join(r.dir, 'app.ts')}:12:1`]);
  });

  it('an unveil() lock is recorded: locked (later unveil() refused), nothing hidden', () => {
    const { r, records } = underLearner('ack', `
      import fs from 'node:fs';
      const { unveil } = await import(${DIST});
      ${tryCode}
      unveil(dir, 'r');
      const status = unveil(); // SITE-LOCK
      const out = [String(status.locked), String(status.enforced), status.warnings.at(-1), attempt(() => unveil('/tmp', 'r'))];
      out.push(fs.readFileSync('/etc/hostname', 'utf8').length > 0 ? 'hostname' : 'empty');
      console.log(JSON.stringify(out));
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['true', 'true', 'learn mode: the learner recorded this lock; nothing was enforced', 'EPERM UNVEIL_LOCKED', 'hostname']);
    expect(records.map((x) => [x.call, x.path, x.permissions])).toEqual([['unveil', r.dir, 'r'], ['unveil', null, null]]);
    expect(records[1]!.site.startsWith(siteOf(r, 'SITE-LOCK')), records[1]!.site).toBe(true);
  });
});

describe('learn mode: the errors are those of enforcement', () => {
  // Only pledge()/unveil() calls and console output: this runs enforced too.
  const sequence = `
    const { unveil } = await import(${DIST});
    const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return [e.constructor.name, e.code, e.reason, e.message.split(dir).join('DIR')].join(' | '); } };
    const out = [
      attempt(() => pledge('stdio bogus')), attempt(() => pledge('stdio', 'stdio rpath')), attempt(() => pledge(null, 'stdio')),
      attempt(() => pledge('stdio', null, { penalty: 'maim' })), attempt(() => pledge('stdio', null, { reportFd: -1 })),
      attempt(() => unveil(dir, 'rz')), attempt(() => unveil(dir + '/missing', 'r')), attempt(() => unveil(null, 'r')),
      attempt(() => unveil(dir, 'r')),
      attempt(() => pledge('stdio rpath unveil', 'stdio')),
      attempt(() => pledge('stdio rpath inet')), attempt(() => pledge(null, 'stdio rpath')), attempt(() => pledge('stdio rpath unveil', null, { penalty: 'errno', errno: 'EBOGUS' })),
      attempt(() => unveil('/tmp', 'r')), attempt(() => unveil()),
      attempt(() => pledge('stdio rpath')),
      attempt(() => pledge('stdio')), attempt(() => pledge('stdio rpath')), attempt(() => pledge('stdio', null, { reportFd: 5 })),
    ];
    console.log(JSON.stringify(out));
  `;

  it('validation errors, EPERM for widening and the unveil lock are the same learned and enforced', () => {
    const learned = underLearner('ack', sequence);
    const enforced = runChild(sequence);
    expect(learned.r.status, describeEnd(learned.r)).toBe(0);
    expect(enforced.status, describeEnd(enforced)).toBe(0);
    const codes = (JSON.parse(learned.r.stdout) as string[]).map((e) => e.split(' | ').slice(0, 3).join(' '));
    expect(codes).toEqual([
      'PledgeError EINVAL UNKNOWN_PROMISE', 'PledgeError EINVAL BAD_ARGUMENT', 'PledgeError EINVAL BAD_ARGUMENT',
      'PledgeError EINVAL BAD_ARGUMENT', 'PledgeError EINVAL BAD_ARGUMENT',
      'PledgeError EINVAL BAD_ARGUMENT', 'PledgeError ENOENT BAD_ARGUMENT', 'PledgeError EINVAL BAD_ARGUMENT',
      'ok',
      'ok',
      'PledgeError EPERM PRIVILEGE_INCREASE', 'PledgeError EPERM PRIVILEGE_INCREASE', 'PledgeError EINVAL BAD_ARGUMENT',
      'PledgeError EPERM UNVEIL_LOCKED', 'ok', // unveil() after a pledge() that kept "unveil" and locked: that lock's status
      'ok',
      'ok', 'PledgeError EPERM PRIVILEGE_INCREASE', 'PledgeError EINVAL BAD_ARGUMENT',
    ]);
    expect(JSON.parse(learned.r.stdout)).toEqual(JSON.parse(enforced.stdout));
    // The calls that passed made a marker each; the refused ones none.
    expect(learned.records.map((x) => [x.call, x.promises, x.execpromises, x.path === null ? null : 'path', x.permissions]))
      .toEqual([['unveil', null, null, 'path', 'r'], ['pledge', 'stdio rpath unveil', 'stdio', null, null], ['unveil', null, null, null, null],
        ['pledge', 'stdio rpath', null, null, null], ['pledge', 'stdio', null, null, null]]);
  });
});

describe('learn mode: no learner answers (the attack: a leaked SECCOMP_SCOPES_LEARN)', () => {
  const attack = `
    import fs from 'node:fs';
    pledge('stdio');
    fs.writeSync(1, 'pledged\\n');
    fs.writeFileSync(dir + '/new.txt', 'new'); // outside "stdio": refused by the filter
    fs.writeSync(1, 'NOT ENFORCED\\n');
  `;

  it('the variable set and no learner: the pledge is enforced, with one warning line', () => {
    const r = runChild(attack, { env: { SECCOMP_SCOPES_LEARN: '1' }, viaShell: true });
    expect(r.stdout, describeEnd(r)).toContain('pledged\n');
    expect(r.stdout).not.toContain('NOT ENFORCED');
    expect(r.stdout).toContain(`shell-status=${KILLED}`);
    expect(r.stderr.split('\n').filter((l) => l.includes(WARNING))).toHaveLength(1);
    expect(fs.existsSync(path.join(r.dir, 'new.txt'))).toBe(false);
  });

  it('once a call was enforced, later calls make no marker (nobody is learning; without "stdio" getppid would be refused)', () => {
    const { r, records } = underLearner('continue', `
      const { unveil } = await import(${DIST});
      pledge('stdio rpath unveil');
      unveil(dir, 'r');
      unveil();
      pledge('stdio');
      process.exitCode = 7;
    `);
    expect(r.status, describeEnd(r)).toBe(7);
    expect(records.map((x) => [x.call, x.promises])).toEqual([['pledge', 'stdio rpath unveil']]);
    expect(r.stderr.split('\n').filter((l) => l.includes(WARNING))).toHaveLength(1);
  });

  it('a supervisor that sees the marker but does not acknowledge it: enforced', () => {
    const { r, records } = underLearner('continue', attack);
    expect(r.stdout, describeEnd(r)).toBe('pledged\n');
    expect(r.status).toBe(KILLED);
    expect(r.stderr).toContain(WARNING);
    expect(records.map((x) => x.promises)).toEqual(['stdio']);
  });

  it('a learner that stops answering: the next call is enforced with every promise recorded so far', () => {
    const { r, records } = underLearner('ack-first', `
      import fs from 'node:fs';
      pledge('stdio rpath wpath');
      fs.writeFileSync(dir + '/ok.txt', 'ok');
      fs.writeSync(1, 'recorded\\n');
      pledge(null, 'stdio');
      fs.writeSync(1, 'enforced ' + fs.readFileSync(dir + '/ok.txt', 'utf8') + '\\n');
      const fd = fs.openSync(dir + '/ok.txt', 'r+'); // rpath wpath, no cpath
      fs.writeSync(fd, 'again');
      fs.closeSync(fd);
      fs.writeSync(1, 'wrote\\n');
      fs.writeFileSync(dir + '/new.txt', 'new'); // needs cpath: refused
      fs.writeSync(1, 'NOT ENFORCED\\n');
    `);
    expect(r.stdout, describeEnd(r)).toBe('recorded\nenforced ok\nwrote\n');
    expect(r.status).toBe(KILLED);
    expect(records.map((x) => [x.promises, x.execpromises])).toEqual([['stdio rpath wpath', null], [null, 'stdio']]);
  });
});
