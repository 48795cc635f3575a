/**
 * PATH_EXCEPTIONS: the named paths a pledged process may open whatever its
 * promises, as OpenBSD's kernel lets it (sys/kern/kern_pledge.c
 * `pledge_namei`, its whitelist: /etc/localtime and /usr/share/zoneinfo/
 * for tzset(3), /dev/null for daemon(3), /dev/tty under `tty` for
 * readpassphrase(3), the password and group databases under `getpw`, the
 * resolver's files under `dns`), with the Linux equivalents glibc needs
 * (the locale and its character set conversions, the NSS configuration).
 *
 * Only the `pledge` command applies them, because only its supervisor sees
 * paths: it opens such a file itself, read-only (a device named one by one:
 * with the call's access mode), and hands the descriptor over, so the
 * program cannot swap the path after the check. There, `dns` and `getpw`
 * mean these files and no other read-only open. In a process that pledges
 * itself (pledge() in Node, libpledge) a seccomp filter cannot see paths:
 * `dns` and `getpw` allow every read-only open, and the others need
 * `rpath` (docs/guide.md says what differs).
 *
 * Like OpenBSD's whitelist, they bypass unveil (-v): the supervisor, not
 * the program, opens them.
 */
import type { ConstantName } from '../constants.js';
import type { PromiseName, SyscallName } from '../rules.js';

/** One path (a file, or a directory ending in '/': everything beneath it). */
export interface PathException {
  readonly path: string;
  /** Every one of these must be promised (none: whatever the promises). */
  readonly requires: readonly PromiseName[];
  /** `read`: read-only opens; `read-write`: a device, opened with the call's access mode (never O_CREAT, O_TRUNC). */
  readonly access: 'read' | 'read-write';
  /**
   * A directory exception only: a directory of this name beneath it is
   * answered with the file of the given name inside it (never a directory
   * descriptor: a starting point for calls relative to it, ".." included,
   * and for fchdir, which stdio allows, it would reach beyond the listed
   * files; a file's descriptor gives its data and nothing more).
   */
  readonly directoryFiles?: Readonly<Record<string, string>>;
  readonly why: string;
  readonly source: string;
}

const OB = 'OpenBSD sys/kern/kern_pledge.c pledge_namei (whitelisted paths)';

const files = (paths: readonly string[], requires: readonly PromiseName[], why: string, source: string): PathException[] =>
  paths.map((path) => ({ path, requires, access: 'read', why, source }));

/** The path exceptions, by group. */
export const PATH_EXCEPTIONS: readonly PathException[] = Object.freeze([
  // Whatever the promises (OpenBSD's own).
  ...files(['/etc/localtime', '/usr/share/zoneinfo/'], [], 'the time zone: tzset(3) reads /etc/localtime (a link into /usr/share/zoneinfo) and $TZ names a zone file', OB),
  { path: '/dev/null', requires: [], access: 'read-write', why: 'daemon(3) and shells redirect to /dev/null; it holds nothing and keeps nothing', source: OB },
  // Whatever the promises (Linux: glibc's locale).
  {
    path: '/usr/lib/locale/', requires: [], access: 'read', directoryFiles: { LC_MESSAGES: 'SYS_LC_MESSAGES' },
    why: "setlocale(3): glibc reads the compiled locales (locale-archive, or a locale's directory such as C.utf8/) for LANG/LC_*; 20 of 45 Debian programs tried open it before main's first line of work. A locale directory keeps LC_MESSAGES as a directory holding SYS_LC_MESSAGES: glibc opens the directory, sees one and opens the file inside; the supervisor answers the directory's open with that file, which glibc reads as the same data (setlocale(LC_ALL, \"\") fails when any category does, and the program would run in the C locale)",
    source: 'glibc locale/loadlocale.c (_nl_load_locale: S_ISDIR, then LC_MESSAGES/SYS_LC_MESSAGES), locale/loadarchive.c; checked with LOCPATH and C.utf8 whose LC_MESSAGES is the SYS_LC_MESSAGES file',
  },
  ...files(['/usr/share/locale/', '/usr/share/locale-langpack/'], [], "gettext(3): message catalogs (LC_MESSAGES/*.mo) and locale.alias, read when a program translates its messages", 'glibc intl/loadmsgcat.c, intl/localealias.c'),
  ...files(['/etc/locale.alias'], [], "setlocale(3) reads the locale name aliases through /usr/share/locale/locale.alias, which on Debian is a link to /etc/locale.alias (the supervisor checks the file a link leads to, so the target is listed)", 'glibc intl/localealias.c (LOCALE_ALIAS_PATH); Debian libc-bin (/usr/share/locale/locale.alias -> /etc/locale.alias)'),
  ...files(['/usr/lib/x86_64-linux-gnu/gconv/', '/usr/lib/aarch64-linux-gnu/gconv/', '/usr/lib/gconv/'], [], "iconv(3) and the multibyte functions: gconv-modules.cache and the conversion modules' configuration (loading a module's code still needs prot_exec)", 'glibc iconv/gconv_cache.c, iconv/gconv_conf.c'),
  // Whatever the promises (Linux: a kernel limit glibc reads from /proc).
  ...files(['/proc/sys/kernel/ngroups_max'], [], "sysconf(_SC_NGROUPS_MAX): glibc reads the kernel's limit on supplementary groups here (id, initgroups, getgrouplist callers size their arrays with it); one number, the same for every process, world-readable. OpenBSD's libc asks sysctl for it, not a file, so OpenBSD's whitelist has no entry",
    'glibc sysdeps/unix/sysv/linux/sysconf.c (_SC_NGROUPS_MAX); strace of id (coreutils 9.1) under pledge -p "stdio getpw"'),
  // Under tty.
  { path: '/dev/tty', requires: ['tty'], access: 'read-write', why: 'readpassphrase(3), getpass(3) and pagers talk to the controlling terminal', source: OB },
  // Under dns: the resolver's files (OpenBSD: resolv.conf, hosts, services, protocols; glibc adds its NSS and getaddrinfo configuration).
  ...files(['/etc/resolv.conf', '/etc/hosts', '/etc/services', '/etc/protocols'], ['dns'], 'the resolver: name servers, the hosts file, service and protocol names', `${OB} ("DNS needs /etc/{resolv.conf,hosts,services,protocols}")`),
  ...files(['/etc/nsswitch.conf', '/etc/gai.conf', '/etc/host.conf'], ['dns'], "glibc's resolver: which sources to ask (NSS), getaddrinfo's address sorting, the hosts file's options", 'glibc nss/nsswitch.c, sysdeps/posix/getaddrinfo.c (gaiconf_init), resolv/res_init.c'),
  // Whatever the promises (Linux: OpenSSL's configuration, read while libcrypto initialises, like the locale).
  ...files(['/usr/lib/ssl/openssl.cnf', '/etc/ssl/openssl.cnf'], [], "OpenSSL's configuration (Debian: /usr/lib/ssl/openssl.cnf, a link to /etc/ssl/openssl.cnf), read by OPENSSL_init_crypto/OPENSSL_init_ssl (OPENSSL_INIT_LOAD_CONFIG) in every program linked with OpenSSL 1.1+/3 before its first line of work (curl http://, openssl dgst on stdin, wget, python's ssl): world-readable configuration (security level, providers), no keys or certificates; answering EACCES would make OpenSSL skip it and change the program's crypto settings. OpenBSD's LibreSSL reads /etc/ssl/openssl.cnf only when a program asks (OPENSSL_config), so OpenBSD's whitelist needs no entry",
    'OpenSSL crypto/init.c, crypto/conf/conf_mod.c (CONF_get1_default_config_file); strace of curl 7.88 and openssl 3.0 dgst under pledge -p stdio'),
  // Under getpw: the password and group databases (OpenBSD: pwd.db, group, netid); glibc's files NSS module (built into libc since 2.34) reads these.
  ...files(['/etc/passwd', '/etc/group'], ['getpw'], 'getpwnam(3), getgrgid(3) and friends: the password and group databases (not the shadow ones)', `${OB} (getpw: /etc/pwd.db, /etc/group)`),
  ...files(['/etc/nsswitch.conf', '/etc/netgroup'], ['getpw'], "glibc's NSS: which sources hold users and groups, and netgroups (innetgr)", 'glibc nss/nsswitch.c, nss/nss_files/files-netgrp.c'),
]);

/**
 * Paths whose metadata (the stat family: never their contents) `dns` and
 * `getpw` may read under the `pledge` command besides their files above,
 * because glibc checks them on every lookup. There, a stat of a path that
 * only `dns` or `getpw` would allow is performed by the supervisor (it
 * resolves the path itself, checks that it is one of these or one of the
 * promises' files, and writes the result into the caller's buffer), and
 * any other path is refused as the promises without them refuse it.
 * Minimal on purpose: glibc 2.36's NSS stats "/" (below) and
 * /etc/nsswitch.conf, its resolver /etc/resolv.conf and /etc/hosts (all
 * files of the groups above); `ls -l`, `id`, `getent passwd`, `getent
 * hosts` stat nothing else for their lookups (strace). OpenBSD's
 * pledge_namei lets dns and getpw reach their files only.
 */
export const METADATA_EXCEPTIONS: readonly PathException[] = Object.freeze((['dns', 'getpw'] as const).map((p): PathException => ({
  path: '/', requires: [p], access: 'read',
  why: "glibc's NSS (getpwnam, getaddrinfo, ...) stats \"/\" before it reloads nsswitch.conf, to notice a chroot (and then stops reloading); the root directory's metadata tells nothing about any file",
  source: 'glibc nss/nss_database.c (nss_database_check_reload_and_get); strace of getent passwd root and getent hosts localhost (glibc 2.36)',
})));

/**
 * The exceptions `promises` give (their `requires` all promised), or
 * exactly `path`'s, as the supervisor would grant it.
 */
export function pathExceptionsFor(promises: ReadonlySet<string>): PathException[] {
  return PATH_EXCEPTIONS.filter((e) => e.requires.every((p) => promises.has(p)));
}

/** The exception that allows `path` (absolute, canonical) under `promises`, if any. */
export function pathExceptionOf(path: string, promises: ReadonlySet<string>): PathException | undefined {
  return pathExceptionsFor(promises).find((e) => (e.path.endsWith('/') ? path.startsWith(e.path) && path.length > e.path.length : path === e.path));
}

/**
 * A call the command's supervisor answers with an errno, instead of the
 * penalty, when the promises in force do not allow it: a probe programs
 * make and handle, named by its path (or, without `path`, by the call
 * alone). The answer depends only on the syscall and the string the
 * program passed, never on the file: the supervisor does not look the path
 * up, so the answer tells the program nothing it did not know (it is what
 * a system without the feature, or a process without access, gets).
 *
 * `quiet` ones are pure probes (the program behaves the same whatever the
 * answer, and the file would only matter to a feature the promises rule
 * out anyway): not reported. The others are reported as refusals
 * (`refused openat(...) with ENXIO; it needs "tty"`), once per process,
 * call and path, because a promise would change what the program does.
 *
 * In a process that pledges itself the filter cannot see paths: these
 * calls are violations there, as on OpenBSD (docs/cli.md).
 */
export interface PathProbe {
  /** The calls it answers (each syscall's path argument is the one the reports show). */
  readonly syscalls: readonly SyscallName[];
  /** The path exactly as the program names it (absolute, or `~/...` for $HOME as the program was given it; compared after removing `//`, `/./`, `/../`); absent: the call has no path. */
  readonly path?: string;
  /** Only open/openat: only with this access (`read`: O_RDONLY, no O_CREAT, O_TRUNC, O_TMPFILE; `read-write`: O_RDONLY or O_RDWR, no O_CREAT, O_TRUNC, O_TMPFILE). */
  readonly access?: 'read' | 'read-write';
  readonly errno: ConstantName;
  /** Not reported (a pure probe). */
  readonly quiet: boolean;
  /** Promises that would allow the call besides the catalog's (a path exception's group: `tty` for /dev/tty), named first in the report. */
  readonly needs?: readonly PromiseName[];
  readonly why: string;
  readonly source: string;
}

const OPEN = ['openat', 'open'] as const;
const STAT = ['newfstatat', 'statx', 'stat', 'lstat'] as const;
const ACCESS = ['access', 'faccessat', 'faccessat2'] as const;
const SELINUX = "libselinux's constructor (linked into sed, coreutils, tar, findutils, ...) looks for selinuxfs: statfs of /sys/fs/selinux and /selinux, then /proc/filesystems (and, when that cannot be read, /proc/mounts), then access(\"/etc/selinux/config\"); each answered as on a machine without SELinux, and without /proc (OpenBSD has neither), so libselinux takes SELinux as disabled. A program under promises without rpath could not use SELinux labels anyway (relabelling needs the files: rpath, wpath, fattr)";
const SELINUX_SOURCE = 'libselinux src/init.c (init_selinuxmnt, verify_selinuxmnt, selinuxfs_exists), src/selinux_config.c; strace of sed 4.9 (libselinux 3.4) with each call failed by strace -e inject';

/** The supervisor's errno answers (the `pledge` command only). */
export const PATH_PROBES: readonly PathProbe[] = Object.freeze([
  { syscalls: ['statfs'], path: '/sys/fs/selinux', errno: 'ENOENT', quiet: true, why: SELINUX, source: SELINUX_SOURCE },
  { syscalls: ['statfs'], path: '/selinux', errno: 'ENOENT', quiet: true, why: SELINUX, source: SELINUX_SOURCE },
  { syscalls: [...OPEN], path: '/proc/filesystems', access: 'read', errno: 'ENOENT', quiet: true, why: SELINUX, source: SELINUX_SOURCE },
  { syscalls: [...OPEN], path: '/proc/mounts', access: 'read', errno: 'ENOENT', quiet: true, why: SELINUX, source: SELINUX_SOURCE },
  { syscalls: [...ACCESS], path: '/etc/selinux/config', errno: 'ENOENT', quiet: true, why: SELINUX, source: SELINUX_SOURCE },
  {
    syscalls: [...OPEN], path: '/proc/self/maps', access: 'read', errno: 'ENOENT', quiet: true,
    why: "gnulib's c-stack (grep, gawk, diff, m4, ...) reads its own memory map to find the stack when it installs its stack-overflow handler, and glibc's pthread_getattr_np does for the main thread; both cope with its absence (c-stack falls back on its own estimate at fault time). ENOENT is what a system without /proc answers (OpenBSD has none). Not emulated: /proc/self in the supervisor is the supervisor's own, and the layout of the address space is not part of any promise",
    source: 'gnulib lib/c-stack.c, lib/stackvma.c (rof_open of /proc/self/maps, mincore fallback); glibc nptl/pthread_getattr_np.c; strace of grep 3.8 and gawk 5.2 with the open failed by strace -e inject (same output)',
  },
  {
    syscalls: [...STAT], path: '/*stdin*\\', errno: 'ENOENT', quiet: true,
    why: "zstd's name for standard input (stdinmark) is stat()ed like a file name before it reads stdin; no such file exists (its name is chosen never to be one), and ENOENT is what zstd gets unsandboxed",
    source: 'zstd programs/zstdcli.c, programs/fileio.c (stdinmark "/*stdin*\\\\", UTIL_isRegularFile); strace of zstd 1.5.4 -c',
  },
  {
    syscalls: [...STAT], path: '/*stdout*\\', errno: 'ENOENT', quiet: true,
    why: "zstd's name for standard output (stdoutmark), stat()ed like its stdinmark before it writes (to compare input and output); ENOENT is what zstd gets unsandboxed",
    source: 'zstd programs/fileio.c (stdoutmark "/*stdout*\\\\", UTIL_isSameFile); strace of zstd 1.5.4 -c under pledge -p stdio',
  },
  {
    syscalls: [...OPEN], path: '~/.jq', access: 'read', errno: 'EACCES', quiet: false,
    why: "jq loads ~/.jq, the user's own library, when it is a file, and goes on without it when it cannot be opened (ENOENT and EACCES alike); reading it is a real read of the user's file, so it stays rpath's: EACCES (what a process without access gets) and a report, since with rpath jq would load it. `~` is $HOME as the program was given it; only the string is compared",
    source: 'jq 1.6 src/linker.c (load_program: optional import of ~/.jq); strace of jq -R . with the open failed by strace -e inject (same output)',
  },
  {
    syscalls: [...OPEN], path: '/dev/tty', access: 'read-write', errno: 'ENXIO', quiet: false, needs: ['tty'],
    why: "the controlling terminal without tty: ENXIO is what a process without a controlling terminal gets (bash opens it at start-up and goes on; a password prompt then says it has no terminal). Reported, because tty would let the program talk to the terminal (OpenBSD lets tty open /dev/tty: pledge_namei)",
    source: 'OpenBSD sys/kern/kern_pledge.c pledge_namei (/dev/tty under tty); tty(4) ENXIO; bash shell.c check_dev_tty',
  },
  {
    syscalls: ['getcwd'], errno: 'EACCES', quiet: false,
    why: "the working directory's name without rpath or wpath (OpenBSD's __getcwd needs one of them): EACCES is what getcwd(3) gives a process that may not read a directory above it, and the path is not looked up. Programs that only record it (jq's module origin, realpath(\".\")) go on; reported, because with rpath the program would know where it is",
    source: 'OpenBSD sys/kern/kern_pledge.c (SYS___getcwd: PLEDGE_RPATH | PLEDGE_WPATH); getcwd(3) EACCES; jq 1.6 main.c (PROGRAM_ORIGIN = jq_realpath("."), which keeps "." when realpath fails)',
  },
]);

/**
 * The probe answer for a call of `syscall` naming `path` (as the program
 * passed it), with open flags `access` for open/openat and `home` the
 * program's $HOME (for `~/` paths); undefined when the call is not one.
 * Only the string is compared: nothing is looked up.
 */
export function pathProbeOf(syscall: string, path: string | undefined, access?: 'read' | 'read-write' | 'other', home?: string): PathProbe | undefined {
  const canonical = path !== undefined && path.startsWith('/') ? canonicalPath(path) : undefined;
  const homeDir = home !== undefined && home.startsWith('/') ? canonicalPath(home) : undefined;
  return PATH_PROBES.find((p) => {
    if (!p.syscalls.includes(syscall as SyscallName)) return false;
    if (p.path === undefined) return true;
    const want = p.path.startsWith('~/') ? (homeDir !== undefined ? canonicalPath(`${homeDir}/${p.path.slice(2)}`) : undefined) : p.path;
    if (want === undefined || canonical !== want) return false;
    if (p.access === undefined || access === undefined) return true;
    return p.access === 'read' ? access === 'read' : access !== 'other';
  });
}

/** `path` (absolute) without `//`, `/./` and `/../` (resolved by name, as OpenBSD canonicalises before its whitelist), without a trailing slash. */
export function canonicalPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
