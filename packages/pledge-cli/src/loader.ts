/**
 * The dynamic loader's start-up window of `pledge run` (docs/cli.md, "The
 * loader window"): which programs get one, and what the loader may read
 * and map during it.
 *
 * - Only a program whose PT_INTERP resolves to this system's own dynamic
 *   loader (the arch's `ld-linux`, a root-owned file in a system library
 *   directory) gets a window. Any other interpreter is code we know
 *   nothing about that would run with the window's allowances: such a
 *   program is treated as static (no window, no preload).
 * - During the window, read-only opens are emulated by the supervisor and
 *   reach only {@link loaderFiles}: the program's files, its loader, the
 *   loader's cache and configuration, the preload object, the system
 *   library directories, the caller's LD_LIBRARY_PATH and LD_PRELOAD, and
 *   the program's own DT_RUNPATH/DT_RPATH. Under `-v` the same list makes
 *   the start-up Landlock domain.
 *
 * The calls the window lets through are ./loader-window.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArchDescriptor } from '@seccomp-scopes/core';
import { ARCHES } from '@seccomp-scopes/pledge';
import type { ExecutableInfo } from './elf.js';

/** The dynamic loader and multiarch triple of a Node arch (the arch descriptor's `dynamicLoader`). */
function dynamicLoader(nodeArch: string): ArchDescriptor['dynamicLoader'] {
  return ARCHES[nodeArch]?.dynamicLoader;
}

function real(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The system library directories (those that exist, resolved, without duplicates). */
export function systemLibraryDirs(nodeArch: string = process.arch): string[] {
  const triple = dynamicLoader(nodeArch)?.multiarch;
  const dirs = ['/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib'];
  if (triple) dirs.push(`/lib/${triple}`, `/usr/lib/${triple}`, `/usr/local/lib/${triple}`);
  return [...new Set(dirs.map(real).filter((d): d is string => d !== undefined && d !== '/'))];
}

/** The outcome of {@link systemLoader}. */
export type LoaderCheck = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * Whether `interpreter` (a PT_INTERP) is this system's dynamic loader: it
 * resolves (realpath) to the arch's `ld-linux` (or glibc's older
 * `ld-X.Y.so` name behind it) directly in a system library directory, a
 * regular file owned by root that only root can write.
 */
export function systemLoader(interpreter: string, nodeArch: string = process.arch): LoaderCheck {
  const loader = dynamicLoader(nodeArch);
  if (!loader) return { ok: false, reason: `no dynamic loader is known for ${nodeArch}` };
  const resolved = real(interpreter);
  if (!resolved) return { ok: false, reason: `its dynamic loader ${interpreter} cannot be resolved` };
  const dirs = systemLibraryDirs(nodeArch);
  const base = path.basename(resolved);
  const named = path.basename(interpreter) === loader.name || base === loader.name;
  const realName = base === loader.name || /^ld-\d+\.\d+\.so$/.test(base);
  if (!named || !realName || !dirs.includes(path.dirname(resolved))) {
    return { ok: false, reason: `its dynamic loader ${interpreter}${resolved !== interpreter ? ` (${resolved})` : ''} is not the system's (${loader.name} in ${dirs.join(', ')})` };
  }
  const st = fs.statSync(resolved);
  if (!st.isFile() || st.uid !== 0 || (st.mode & 0o022) !== 0) return { ok: false, reason: `its dynamic loader ${resolved} is not a root-owned file only root can write` };
  return { ok: true, path: resolved };
}

/** What the loader may reach during the window. */
export interface LoaderFiles {
  /** Files the kernel opens to start the program (its chain and its loader), resolved. */
  readonly exec: readonly string[];
  /** Files the loader reads, resolved. */
  readonly files: readonly string[];
  /** Directories the loader reads libraries from, resolved. */
  readonly dirs: readonly string[];
}

/**
 * The loader's files for a program with a window.
 * @param loaderPath the resolved PT_INTERP ({@link systemLoader}).
 * @param preload the preload object's path.
 * @param env the caller's environment (LD_LIBRARY_PATH, LD_PRELOAD; before the preload is added).
 */
export function loaderFiles(info: ExecutableInfo, loaderPath: string, preload: string, env: Readonly<Record<string, string>>, nodeArch: string = process.arch): LoaderFiles {
  const exec = [...new Set([...info.chain.map(real), loaderPath].filter((f): f is string => f !== undefined))];
  const files = ['/etc/ld.so.cache', '/etc/ld.so.preload', preload];
  for (const entry of (env['LD_PRELOAD'] ?? '').split(/[ :]/)) if (entry.startsWith('/')) files.push(entry);
  const dirs = systemLibraryDirs(nodeArch);
  for (const entry of (env['LD_LIBRARY_PATH'] ?? '').split(/[:;]/)) if (entry.startsWith('/')) dirs.push(entry);
  const elf = info.chain[info.chain.length - 1];
  const origin = elf !== undefined ? real(elf) : undefined;
  // The program's own RUNPATH/RPATH is the untrusted party's choice: honoured
  // only where it points inside the system library directories (a RUNPATH of
  // /etc or /proc would otherwise open those to the window). Other library
  // directories are the caller's to give, with LD_LIBRARY_PATH.
  const system = systemLibraryDirs(nodeArch);
  for (const entry of info.runpath ?? []) {
    const expanded = origin ? entry.replace(/\$(ORIGIN\b|\{ORIGIN\})/g, path.dirname(origin)) : entry;
    if (!expanded.startsWith('/') || expanded.includes('$')) continue;
    const resolved = real(expanded);
    if (resolved !== undefined && system.some((d) => resolved === d || resolved.startsWith(`${d}/`))) dirs.push(resolved);
  }
  const isDir = (p: string): boolean => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };
  const isFile = (p: string): boolean => { try { return fs.statSync(p).isFile(); } catch { return false; } };
  return {
    exec,
    files: [...new Set(files.map(real).filter((f): f is string => f !== undefined && isFile(f)))],
    dirs: [...new Set(dirs.map(real).filter((d): d is string => d !== undefined && d !== '/' && isDir(d)))],
  };
}

/** The list the supervisor checks the window's opens and executable mappings against (directories end with '/'). */
export function supervisorLoaderPaths(files: LoaderFiles): string[] {
  return [...files.exec, ...files.files, ...files.dirs.map((d) => `${d}/`)];
}
