/**
 * Finding every io_uring instance of the process before pledge() installs
 * its first filter, and deciding which can be kept.
 *
 * Operations submitted through a ring run in the kernel without passing
 * seccomp (io_uring(7)). After the first filter no ring can be created
 * (`io_uring_setup` answers ENOSYS) and none can be entered except libuv's
 * epoll_ctl batches, which the SIGSYS handler replays as ordinary syscalls
 * (native ring-replay.cc). What is left to decide here, from /proc:
 *
 * - a ring without SQPOLL (libuv's: `SqThread: -1` in /proc/self/fdinfo)
 *   does nothing unless `io_uring_enter` is called on it: adopted;
 * - a ring with SQPOLL has a kernel thread that runs whatever is written into
 *   its queue, with no syscall at all: refused, also when it has no
 *   descriptor and no mapping left (its thread `iou-sqp-<pid>` still shows
 *   in /proc/self/task).
 *
 * The parsing is pure (tested without a kernel); {@link scanIoUring} reads /proc.
 */
import { PledgeError } from '@seccomp-scopes/core';
import fs from 'node:fs';
import * as native from '@seccomp-scopes/native';

/** One io_uring descriptor as /proc/self/fd and /proc/self/fdinfo show it. */
export interface RingInfo {
  readonly fd: number;
  /** SqMask + 1 and CqMask + 1. */
  readonly sqEntries: number;
  readonly cqEntries: number;
  /** The SQPOLL kernel thread's pid, or -1 (none). */
  readonly sqThread: number;
  /** The ring's inode (`ino:`), to recognise the descriptor later with fstat. */
  readonly ino?: number;
}

/** What {@link scanIoUring} found. */
export interface IoUringScan {
  readonly rings: readonly RingInfo[];
  /** Threads named `iou-sqp-*` (a ring's submission-polling kernel thread). */
  readonly sqpollThreads: readonly { readonly tid: number; readonly name: string }[];
  /**
   * eventfd descriptors seen on the way (each libuv loop wakes itself
   * through one: uv_async_send writes 8 bytes); the Node runtime allowance
   * lets them be written under promise sets without stdio.
   */
  readonly eventFds: readonly number[];
  /** True when this is the scan unveil() kept before its lock ({@link scanOrCaptured}), not one made now. */
  readonly kept?: boolean;
}

/**
 * Parses /proc/self/fdinfo/N of an io_uring descriptor (Linux >= 5.x prints
 * `SqMask:`, `CqMask:` and `SqThread:`).
 * @returns undefined when a field is missing or malformed.
 */
export function parseRingFdinfo(fd: number, text: string): RingInfo | undefined {
  // The first `Name:<blanks>value` line of a name; no regular expressions or maps (a fresh process pays for each: 0.1-0.3 ms).
  const field = (name: string): string | undefined => {
    const key = `${name}:`;
    const line = text.startsWith(key) ? -1 : text.indexOf(`\n${key}`);
    if (line === -1 && !text.startsWith(key)) return undefined;
    const at = line + 1;
    let start = at + key.length;
    while (text[start] === ' ' || text[start] === '\t') start++;
    let end = start;
    while (end < text.length && text[end] !== ' ' && text[end] !== '\t' && text[end] !== '\n') end++;
    return end > start ? text.slice(start, end) : undefined;
  };
  const sqMask = field('SqMask');
  const cqMask = field('CqMask');
  const sqThread = field('SqThread');
  const ino = field('ino');
  if (sqMask === undefined || cqMask === undefined || sqThread === undefined) return undefined;
  const sq = Number(sqMask);
  const cq = Number(cqMask);
  const thread = Number(sqThread);
  if (!Number.isInteger(sq) || !Number.isInteger(cq) || !Number.isInteger(thread) || sq < 0 || cq < 0) return undefined;
  return { fd, sqEntries: sq + 1, cqEntries: cq + 1, sqThread: thread, ...(ino !== undefined && [...ino].every((c) => c >= '0' && c <= '9') ? { ino: Number(ino) } : {}) };
}

/** A ring from the fields native ringScan read from its fdinfo (SqMask, CqMask, SqThread, ino), as parseRingFdinfo makes it from the text. */
function ringInfoOf(fd: number, f: native.RingFdinfoFields): RingInfo {
  return { fd, sqEntries: f.sqMask + 1, cqEntries: f.cqMask + 1, sqThread: f.sqThread, ...(f.ino !== undefined ? { ino: f.ino } : {}) };
}

/** The verdict on a scan: the rings to adopt, or why pledge() must refuse. */
export type RingPlan =
  | { readonly ok: true; readonly adopt: readonly RingInfo[] }
  | { readonly ok: false; readonly message: string; readonly details: Record<string, unknown> };

/**
 * Decides from a scan: rings without SQPOLL are adopted; any ring with a
 * submission-polling thread, or such a thread without a ring descriptor,
 * refuses the pledge. Pure.
 */
export function planRings(scan: IoUringScan): RingPlan {
  const polled = scan.rings.filter((r) => r.sqThread !== -1);
  if (polled.length > 0) {
    return {
      ok: false,
      message: `this process has an io_uring instance with a kernel submission thread (SQPOLL: ${polled.map((r) => `fd ${r.fd}, thread ${r.sqThread}`).join('; ')}): it runs whatever is written into its queue without any syscall, so no filter can judge it; close and unmap it before pledge()`,
      details: { sqpoll: polled.map((r) => ({ fd: r.fd, thread: r.sqThread })) },
    };
  }
  if (scan.sqpollThreads.length > 0) {
    const t = scan.sqpollThreads.map((s) => `${s.name} (tid ${s.tid})`).join(', ');
    return {
      ok: false,
      message: `this process has an io_uring submission thread ${t} whose ring has no descriptor here (registered and closed, IORING_SETUP_NO_MMAP?): it runs operations written into memory without any syscall, so no filter can judge them; pledge() refuses`,
      details: { sqpollThreads: scan.sqpollThreads },
    };
  }
  return { ok: true, adopt: scan.rings };
}

const CAPTURE_KEY = 'pledge.procScan';

/**
 * Scans now and keeps the result for the first pledge(), when /proc is about
 * to become unreadable: unveil()'s Landlock lock hides /proc unless it is
 * unveiled. Does nothing once a filter is in force (no ring can be made
 * after it) or when /proc cannot be read.
 */
export function captureScanForPledge(): void {
  try {
    native.sharedSet(CAPTURE_KEY, JSON.stringify(scanIoUring()));
  } catch {
    // pledge() will say why it cannot scan
  }
}

/**
 * {@link scanIoUring}, or, when /proc cannot be read any more, the scan
 * unveil() kept before its lock, each ring checked to be the same file
 * (fstat's inode). Rings created between that lock and this call cannot be
 * seen (docs/node-runtime.md); their io_uring_enter answers ENOSYS.
 * `scanned`: the same walk made a moment ago by the addon (native
 * firstCallLookup hands its scan on when the cache does not answer).
 * @throws PledgeError as {@link scanIoUring}, and `ENOTSUP` when a kept ring
 *   descriptor now names another file.
 */
export function scanOrCaptured(scanned?: native.RingScan): IoUringScan {
  try {
    return scanIoUring(scanned);
  } catch (e) {
    return capturedScan(e);
  }
}

/**
 * The scan unveil() kept, each ring checked to be the same file; else `e`
 * (the scan's own error) thrown. Apart from {@link scanOrCaptured}, which a
 * fresh process compiles whole on its first pledge() (V8 compiles a
 * function on its first call, all of it).
 */
function capturedScan(e: unknown): IoUringScan {
  const kept = native.sharedGet(CAPTURE_KEY);
  if (kept === undefined) throw e;
  const scan = JSON.parse(kept) as IoUringScan;
  for (const ring of scan.rings) {
    let ino: number | undefined;
    try {
      ino = fs.fstatSync(ring.fd).ino;
    } catch {
      ino = undefined;
    }
    if (ino === undefined || ring.ino === undefined || ino !== ring.ino) {
      throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
        `io_uring instance fd ${ring.fd}, seen before unveil() locked, is no longer the same file, and /proc/self cannot be read to look again; pledge() before unveil() locks, or unveil /proc/self`, { fd: ring.fd });
    }
  }
  return { ...scan, kept: true };
}

/**
 * Reads /proc/self/fd, /proc/self/fdinfo and /proc/self/task: in one
 * native pass (native ringScan, some 40 syscalls) where the addon has it,
 * else here (the same walk costs 0.5-1 ms in a fresh process); or
 * `scanned`, that walk made by the caller.
 * @throws PledgeError `ENOTSUP` (reason `UNSUPPORTED_RUNTIME`) when /proc
 *   cannot be read (no ring could be ruled out) or a ring's fdinfo cannot be
 *   parsed.
 */
export function scanIoUring(scanned?: native.RingScan): IoUringScan {
  const rings: RingInfo[] = [];
  const eventFds: number[] = [];
  let found: native.RingScan;
  try {
    found = scanned ?? native.ringScan() ?? scanProc();
  } catch (e) {
    throw unreadableProc(e);
  }
  // In descriptor order, whichever walk listed them (Node's readdir sorts names as strings, getdents does not sort).
  for (const { fd, target, fdinfo, fields } of [...found.fds].sort((a, b) => a.fd - b.fd)) {
    if (target === 'anon_inode:[eventfd]') eventFds.push(fd);
    if (target !== 'anon_inode:[io_uring]') continue;
    // The addon's reading of the same text where every field has the kernel's form (what parseRingFdinfo gives then;
    // a test holds the two equal), else parsed here.
    const info = fields ? ringInfoOf(fd, fields) : typeof fdinfo === 'string' ? parseRingFdinfo(fd, fdinfo) : undefined;
    if (!info) throw uncheckedRing(fd);
    rings.push(info);
  }
  return { rings, sqpollThreads: [...found.tasks], eventFds };
}

// scanIoUring's errors, apart from it (V8 compiles a function whole on its first call; a fresh process' first pledge()
// runs the scan, not these).
function unreadableProc(e: unknown): PledgeError {
  return new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
    `pledge() must see every io_uring instance of the process before its first filter, and /proc/self cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); mount /proc, or pledge before anything restricts it`, {});
}

function uncheckedRing(fd: number): PledgeError {
  return new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
    `io_uring instance fd ${fd}: /proc/self/fdinfo/${fd} does not show SqMask, CqMask and SqThread, so it cannot be checked; close it before pledge()`, { fd });
}

/** {@link native.ringScan} in JavaScript, for an addon without it. @throws Node's error when /proc/self/fd or /proc/self/task cannot be read. */
function scanProc(): native.RingScan {
  const fds: native.RingScan['fds'][number][] = [];
  const tasks: { tid: number; name: string }[] = [];
  const names = fs.readdirSync('/proc/self/fd');
  const tids = fs.readdirSync('/proc/self/task');
  for (const name of names) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed meanwhile (the directory's own descriptor, too)
    }
    if (target === 'anon_inode:[eventfd]') fds.push({ fd: Number(name), target });
    if (target !== 'anon_inode:[io_uring]') continue;
    let fdinfo: string | null;
    try {
      fdinfo = fs.readFileSync(`/proc/self/fdinfo/${name}`, 'utf8');
    } catch {
      fdinfo = null;
    }
    fds.push({ fd: Number(name), target, fdinfo });
  }
  for (const tid of tids) {
    let comm = '';
    try {
      comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // ended meanwhile
    }
    if (comm.startsWith('iou-sqp-')) tasks.push({ tid: Number(tid), name: comm });
  }
  return { fds, tasks };
}
