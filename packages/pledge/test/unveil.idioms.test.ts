/**
 * OpenBSD's unveil-then-pledge idioms on Landlock: none may leave the file
 * system open while the program believes it is confined (issue: "unveil(dir);
 * pledge('stdio rpath unveil') leaves the whole file system open").
 */
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);
const INDEX = JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname);

describe('unveil with a pledge that keeps "unveil"', () => {
  it('unveil(dir); pledge("stdio rpath unveil"): outside dir is hidden from the pledge on', () => {
    const r = runChild(`
      import fs from 'node:fs';
      const { unveil } = await import(${INDEX});
      fs.mkdirSync(dir + '/in'); fs.writeFileSync(dir + '/in/a', 'inside');
      unveil(dir + '/in', 'r');
      pledge('stdio rpath unveil');
      console.log(fs.readFileSync(dir + '/in/a', 'utf8'));
      try { fs.readFileSync('/etc/hostname'); console.log('outside readable'); } catch (e) { console.log('outside ' + e.code); }
      try { unveil('/etc', 'r'); console.log('added'); } catch (e) { console.log(e.code + ' ' + e.reason + ' ' + /pledge\\(\\) locked the paths unveiled before it/.test(e.message)); }
      const s = unveil();
      console.log('lock ' + s.locked + ' ' + s.enforced);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['inside', 'outside EACCES', 'EPERM UNVEIL_LOCKED true', 'lock true true']);
  });

  it('pledge("stdio rpath unveil"); unveil(dir): warns that nothing is hidden until the lock; unveil() then hides the rest', () => {
    const r = runChild(`
      import fs from 'node:fs';
      const { unveil } = await import(${INDEX});
      fs.mkdirSync(dir + '/in'); fs.writeFileSync(dir + '/in/a', 'inside');
      pledge('stdio rpath unveil');
      unveil(dir + '/in', 'r');
      unveil();
      console.log(fs.readFileSync(dir + '/in/a', 'utf8'));
      try { fs.readFileSync('/etc/hostname'); console.log('outside readable'); } catch (e) { console.log('outside ' + e.code); }
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['inside', 'outside EACCES']);
    expect(r.stderr).toMatch(/UnveilWarning: .*enforced only once unveil\(\) locks/);
  });
});
