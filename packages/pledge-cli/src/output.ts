/**
 * Writing to the standard descriptors without Node's stream objects: they
 * are never created in `pledge run`, because creating them may switch a
 * pipe or terminal to non-blocking mode, which the program shares.
 */
import fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data` to `fd`, waiting out EAGAIN (a non-blocking descriptor). */
export function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

export function writeText(fd: number, text: string): void {
  writeAll(fd, Buffer.from(text, 'utf8'));
}
