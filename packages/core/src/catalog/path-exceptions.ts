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
import type { PromiseName } from '../rules.js';

/** One path (a file, or a directory ending in '/': everything beneath it). */
export interface PathException {
  readonly path: string;
  /** Every one of these must be promised (none: whatever the promises). */
  readonly requires: readonly PromiseName[];
  /** `read`: read-only opens; `read-write`: a device, opened with the call's access mode (never O_CREAT, O_TRUNC). */
  readonly access: 'read' | 'read-write';
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
  ...files(['/usr/lib/locale/'], [], "setlocale(3): glibc reads the compiled locales (locale-archive, or a locale's directory such as C.utf8/) for LANG/LC_*; 20 of 45 Debian programs tried open it before main's first line of work", 'glibc locale/loadarchive.c, locale/loadlocale.c'),
  ...files(['/usr/share/locale/', '/usr/share/locale-langpack/'], [], "gettext(3): message catalogs (LC_MESSAGES/*.mo) and locale.alias, read when a program translates its messages", 'glibc intl/loadmsgcat.c, intl/localealias.c'),
  ...files(['/usr/lib/x86_64-linux-gnu/gconv/', '/usr/lib/aarch64-linux-gnu/gconv/', '/usr/lib/gconv/'], [], "iconv(3) and the multibyte functions: gconv-modules.cache and the conversion modules' configuration (loading a module's code still needs prot_exec)", 'glibc iconv/gconv_cache.c, iconv/gconv_conf.c'),
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
