import fs from 'node:fs';
import * as native from '@seccomp-scopes/native';
import { unfiltered } from './arch.js';

/**
 * The lazy set-up Node would otherwise do at a later, restricted moment,
 * done now: creating the stdout/stderr streams re-opens the terminal when
 * they are ttys (libuv uv_tty_init), and the first local time formatting
 * reads the time zone (/etc/localtime). Called by pledge() before its filter
 * and by unveil() before its lock.
 *
 * With `stdio` (the promises the filter about to be installed keeps hold
 * `stdio`), a stdout or stderr that is a pipe, a socket or a regular file is
 * left to be created on first use (it costs 1-1.5 ms, most of a cached
 * first pledge()): Node then makes only calls stdio allows on the open
 * descriptor (ioctl TCGETS and FIONBIO, fstat, getsockname, getsockopt
 * SO_TYPE, fcntl F_GETFL; measured with strace on Node 20-26) and libuv's
 * spare descriptor open of /dev/null, a probe the runtime allowance answers
 * with EACCES (node-runtime.ts). A later pledge() without stdio runs this
 * again before its own filter, while stdio still allows them. A tty (the
 * re-open needs paths), a closed descriptor or any other kind is created now.
 * `facts`: what pledge() read of the process just before (native
 * processFacts), used for the descriptors' types while it shows no filter.
 */
export function prepareRuntime(stdio = false, facts?: native.ProcessFacts): void {
  const lazy = stdio;
  // The types pledge() read with the other facts (native processFacts) while no filter bound the process, else asked here.
  const known = facts?.seccompMode === 0 ? facts : undefined;
  if (!lazy || !createdOnFirstUse(1, known?.fd1)) void process.stdout;
  if (!lazy || !createdOnFirstUse(2, known?.fd2)) void process.stderr;
  void new Date().getTimezoneOffset(); // reads the time zone (glibc and ICU); toString() and toLocaleString() then make no syscall (strace, Node 20-26)
}

/** Whether descriptor `fd` is a pipe, a socket or a regular file: a stream Node can create under stdio alone. `known`: its type read just before (null: closed). */
function createdOnFirstUse(fd: number, known?: native.FdType | null): boolean {
  const type = known !== undefined ? known : typeNow(fd);
  return type === 'fifo' || type === 'socket' || type === 'file';
}

/** The type of descriptor `fd` asked now, null when closed or not known. Apart from {@link createdOnFirstUse}: pledge()'s first call has it. */
function typeNow(fd: number): native.FdType | null {
  let type: native.FdType | undefined;
  try {
    // The addon's fstat (a fresh process' first fs.fstatSync costs 0.15 ms) while no filter binds the process: its
    // call (glibc's newfstatat) is not the one libuv makes (statx), which the filters in force are known to allow.
    type = unfiltered() ? native.fdType(fd) : undefined;
  } catch (e) {
    if ((e as native.NativeError).syscall !== undefined) return null; // closed
    type = undefined; // no addon: with fs
  }
  if (type !== undefined) return type;
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isFile() ? 'file' : 'other';
  } catch {
    return null;
  }
}
