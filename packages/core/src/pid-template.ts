/**
 * Compiled output that names the process' pid (the catalog's "signals to
 * itself" rules: kill, tgkill, prlimit64 on its own pid), kept across
 * processes as a template: the output compiled for the two
 * {@link TEMPLATE_PIDS} at the ends of the pid range must differ only in
 * words equal to those pids, and a process writes its own pid there
 * ({@link fillPidTemplate}). Why a pid in between compiles the same: every
 * other value the compiler compares the pid with (in the same value list,
 * which it sorts and dedupes) then lies outside that range, or the two
 * outputs would order it differently and differ in more than the pid.
 * Compiled output of the one policy, never a second one.
 */

/** The lowest and highest pid a process can have (PID_MAX_LIMIT is 4194304; pid 1 is init). */
export const TEMPLATE_PIDS = [2, 4194303] as const;

/** A pid template: the output for {@link TEMPLATE_PIDS}[0] and where the pid goes. */
export interface PidTemplate {
  readonly bytes: Uint8Array;
  /** Indices of `unit`-byte words whose pid word is the pid: instructions for a filter (its `k`, at byte 4), u32 words otherwise. */
  readonly slots: readonly number[];
  readonly unit: 4 | 8;
}

const word = (bytes: Uint8Array, at: number, little: boolean): number => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, little);

/**
 * Compiles `output(pid)` for the two {@link TEMPLATE_PIDS}; the first with
 * the words where the pid goes, or undefined when the two differ in
 * anything else (the output is then not kept as a template).
 * @param unit 8 for a seccomp program (`struct sock_filter`: only `k` may differ), 4 for u32 tables.
 * @param endian the byte order of the output's words (the arch's).
 */
export function pidTemplate(output: (pid: number) => Uint8Array, unit: 4 | 8, endian: 'little' | 'big'): PidTemplate | undefined {
  const [p1, p2] = TEMPLATE_PIDS;
  const a = output(p1);
  const b = output(p2);
  if (a.length !== b.length || a.length % unit !== 0) return undefined;
  const little = endian === 'little';
  const off = unit === 8 ? 4 : 0;
  const slots: number[] = [];
  for (let i = 0; i < a.length; i += unit) {
    let same = true;
    for (let j = 0; j < unit; j++) if (a[i + j] !== b[i + j]) { same = false; break; }
    if (same) continue;
    // Only the pid word may differ: for a filter its k (code, jt, jf equal).
    for (let j = 0; j < off; j++) if (a[i + j] !== b[i + j]) return undefined;
    if (word(a, i + off, little) !== p1 || word(b, i + off, little) !== p2) return undefined;
    slots.push(i / unit);
  }
  return { bytes: a, slots, unit };
}

/**
 * The template's output for `pid`: a copy with the pid written at every slot.
 * @throws RangeError when `pid` lies outside {@link TEMPLATE_PIDS} (the template says nothing about it).
 */
export function fillPidTemplate(t: PidTemplate, pid: number, endian: 'little' | 'big'): Uint8Array {
  if (!Number.isInteger(pid) || pid < TEMPLATE_PIDS[0] || pid > TEMPLATE_PIDS[1]) throw new RangeError(`pid ${pid} is outside the template's range ${TEMPLATE_PIDS.join('..')}`);
  const out = t.bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const off = t.unit === 8 ? 4 : 0;
  for (const s of t.slots) view.setUint32(s * t.unit + off, pid, endian === 'little');
  return out;
}
