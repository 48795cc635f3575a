import { describe, expect, it } from 'vitest';
import { check, render } from './gen-docs.mjs';

describe('docs/promises.md', () => {
  it('matches the catalog (run `node tools/gen-docs.mjs` after changing a rule)', () => {
    const r = check();
    expect(r.ok, r.message).toBe(true);
  });
  it('shows argument rules symbolically', () => {
    const text: string = render();
    expect(text).toContain('| `stdio` | `mmap` | prot has none of PROT_EXEC | ALLOW |');
    expect(text).toContain('| `rpath` + `wpath` | `openat` | flags & (O_ACCMODE|O_CREAT|O_TRUNC|__O_TMPFILE) == O_RDWR'.replace(/\|(?=O_|__)/g, '\\|'));
  });
});
