/**
 * Attacks on a process' first pledge() through what changes while it runs
 * (found by an attacker session; each test failed before its fix):
 * - the scan race: a thread of the process creates an io_uring instance with
 *   a kernel submission thread (SQPOLL) after pledge()'s /proc scan and
 *   before its filter; had pledge() returned, the ring would run operations
 *   written into its memory with no system call (an OPENAT creating a file
 *   under "stdio"). pledge()'s install now looks at /proc/self once more just
 *   before the filter (native pledgeInstall `expect`) and plans again, which
 *   refuses the ring. The ring is made at a moment the test chooses: when the
 *   cache entry a hit reads is opened (inotify), and when a miss reads the
 *   per-part entries while it plans;
 * - the cache trusted by the effective uid, keyed by the real uid: a root
 *   process acting as another user for a while (seteuid) took that user's
 *   entries, keyed `uid: 0`, as its policy. The cache is now used only when
 *   the real, effective and saved uids are one.
 * Not tested, documented (docs/node-runtime.md "io_uring"): an
 * io_uring_setup(2) already inside the kernel when the filter goes in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';
import { buildFixture } from './build-fixture.js';
import { NO_CACHE, firstCallEntry, rewriteEntry, withCache } from './first-call-fast.js';

/** The racer (fixtures/scan-race.c), loaded in the child as `ra`. */
const racer = (): string => buildFixture('scan-race', ['-shared', '-fPIC', '-I/usr/include/node', '-pthread']);

/** A child that arms the racer on the opening of an entry in `watch`, pledges "stdio", then, pledged, fires the ring (if any) at `target`. */
const attack = (file: string, watch: string, target: string): string => `
  const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(file)}); const ra = m.exports;
  ra.arm(${JSON.stringify(watch)}, 0);
  let out;
  try { pledge('stdio'); out = { pledged: true }; } catch (e) { out = { refused: e.code, sqpoll: /iou-sqp-|SQPOLL/.test(e.message) }; }
  if (out.pledged) ra.fire(${JSON.stringify(target)});
  setTimeout(() => { console.log(JSON.stringify({ ...out, ring: ra.state() > 0 && ra.state() < 1e9 })); process.exit(0); }, 300);
`;

/** The child's outcomes that are right: refused, the ring seen; or pledged, the ring's io_uring_setup refused by the filter. */
const REFUSED = { refused: 'ENOTSUP', sqpoll: true, ring: true };
const TOO_LATE = { pledged: true, ring: false };

describe('the scan race: an SQPOLL ring made between the /proc scan and the filter', () => {
  it('served from the cache (the ring made as the entry is opened, after the scan): refused, nothing created', () => {
    const file = racer();
    withCache((cache, env) => {
      const primer = runChild(`pledge('stdio'); console.log('primed');`, { env });
      expect(primer.stdout.trim(), describeEnd(primer)).toBe('primed');
      for (let i = 0; i < 2; i++) {
        const target = path.join(cache, `created-${i}`);
        const r = runChild(attack(file, path.join(cache, 'node-pledge'), target), { env });
        expect(r.status, describeEnd(r)).toBe(0);
        // The ring was made after the scan: pledge() saw it at its last look and refused; or, its thread scheduled late
        // on a busy machine, the filter came first and io_uring_setup failed (no ring). Never pledged with a ring.
        expect([REFUSED, TOO_LATE], describeEnd(r)).toContainEqual(JSON.parse(r.stdout.trim()));
        expect(fs.existsSync(target), `run ${i}: a file created by the ring under "stdio"`).toBe(false);
      }
    });
  });

  it('planned (the ring made while the miss reads the per-part entries): refused, nothing created', () => {
    const file = racer();
    withCache((cache, env) => {
      const primer = runChild(`pledge('stdio'); console.log('primed');`, { env });
      expect(primer.stdout.trim(), describeEnd(primer)).toBe('primed');
      // Without the first call's entry, the call is planned; its filter and tables come from the per-part entries.
      fs.rmSync(firstCallEntry(cache, 'stdio').file);
      const target = path.join(cache, 'created');
      const r = runChild(attack(file, path.join(cache, 'node-pledge'), target), { env });
      expect(r.status, describeEnd(r)).toBe(0);
      expect([REFUSED, TOO_LATE], describeEnd(r)).toContainEqual(JSON.parse(r.stdout.trim()));
      expect(fs.existsSync(target)).toBe(false);
    });
  });
});

describe('the cache trusted by the effective uid, keyed by the real uid', () => {
  it("a root process acting as uid 1000 (seteuid) does not take uid 1000's files as its policy: it plans, as uncached", () => {
    withCache((cache, env) => {
      withCache((rootCache, rootEnv) => {
        // uid 1000's own cache directory (as root we stand in for that user: its files are 1000's).
        fs.mkdirSync(path.join(cache, 'node-pledge'), { mode: 0o700 });
        fs.chmodSync(cache, 0o711);
        fs.chownSync(path.join(cache, 'node-pledge'), 1000, 1000);
        const secretDir = fs.mkdtempSync(path.join(cache, 'root-'));
        fs.chmodSync(secretDir, 0o700);
        fs.writeFileSync(path.join(secretDir, 'secret'), 'root only');
        const victim = (promises: string, seteuid: boolean): string => `
          import fs from 'node:fs';
          ${seteuid ? 'process.seteuid(1000);' : ''}
          const s = pledge(${JSON.stringify(promises)});
          let r;
          try { ${seteuid ? 'process.seteuid(0); ' : ''}r = 'read ' + fs.readFileSync(${JSON.stringify(path.join(secretDir, 'secret'))}, 'utf8'); } catch (e) { r = 'refused ' + (e.code ?? e.message); }
          console.log(JSON.stringify({ promises: s.promises, r }));
        `;
        // What uid 1000 can plant in its own directory: entries keyed uid 0 (written here by root itself, in a cache of
        // its own), the wide policy under the narrow key, as uid 1000's files.
        for (const promises of ['stdio', 'stdio rpath id']) expect(runChild(victim(promises, false), { env: rootEnv }).status).not.toBeNull();
        const narrow = firstCallEntry(rootCache, 'stdio');
        const wide = firstCallEntry(rootCache, 'stdio rpath id');
        expect(narrow.request['uid']).toBe(0);
        const planted = path.join(cache, 'node-pledge', path.basename(narrow.file));
        fs.copyFileSync(narrow.file, planted);
        rewriteEntry(planted, { ...wide.entry, key: narrow.entry.key });
        fs.chownSync(planted, 1000, 1000);
        fs.chmodSync(planted, 0o600);
        const cached = runChild(victim('stdio', true), { env });
        const plain = runChild(victim('stdio', true), { env: NO_CACHE });
        // Uncached: killed by the setresuid outside "stdio". Cached, before the fix: "stdio rpath id", root's file read.
        expect(plain.signal, describeEnd(plain)).toBe('SIGSYS');
        expect(cached.signal, describeEnd(cached)).toBe('SIGSYS');
        expect(cached.stdout).not.toContain('root only');
        // Nothing was written there by the process either (its ids differ).
        expect(fs.readdirSync(path.join(cache, 'node-pledge'))).toEqual([path.basename(planted)]);
      });
    });
  });
});
