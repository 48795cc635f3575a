/**
 * The file system, by kind of access: `rpath`, `wpath`, `cpath`, `dpath`,
 * `tmppath`, `fattr`, `chown`. The open(2) family is decided by flags in
 * ./open.ts; here are the other path calls. seccomp cannot see paths: which
 * files these reach is unveil()'s job.
 */
import { ALLOW, arg, type Rule, type SyscallName } from '../rules.js';
import { allowEach, allowWhen } from './helpers.js';
import { CREAT_RULE, openRules, tmppathOpenRules } from './open.js';

const OB = 'OpenBSD pledge(2)';

/** Looking at paths without changing them: OpenBSD gives these to rpath and wpath alike. */
const LOOK: readonly SyscallName[] = ['stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getcwd'];

/** chmod family: `mode` is a C mode_t (unsigned int); the argument index differs per call. */
const CHMOD: readonly (readonly [SyscallName, 1 | 2])[] = [['chmod', 1], ['fchmod', 1], ['fchmodat', 2]];
/** chown family: owner and group argument indices. */
const CHOWN: readonly (readonly [SyscallName, 1 | 2, 2 | 3])[] = [['chown', 1, 2], ['fchown', 1, 2], ['lchown', 1, 2], ['fchownat', 2, 3]];

export const PATH_RULES: readonly Rule[] = [
  ...openRules('openat', 2),
  ...openRules('open', 1),
  CREAT_RULE,
  ...tmppathOpenRules(),
  ...allowEach(['rpath'], LOOK, 'reading metadata of paths (stat, access, readlink, getcwd)', `${OB} "rpath"`),
  ...allowEach(['rpath'], ['chdir', 'getdents', 'getdents64', 'statfs', 'fstatfs', 'getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr'],
    'changing directory, listing directories, reading extended attributes', `${OB} "rpath"`),
  ...allowEach(['wpath'], LOOK, 'reading metadata of paths (stat, access, readlink, getcwd)', `${OB} "wpath"`),
  ...allowEach(['wpath'], ['truncate'], 'truncating a file by path', `${OB} "wpath"`),
  ...allowEach(['cpath'], ['rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'mkdir', 'mkdirat', 'rmdir'],
    'creating and removing names in the file system', `${OB} "cpath"`),
  ...([['mknod', 1], ['mknodat', 2]] as const).map(([syscall, modeArg]) => allowWhen(['dpath'], syscall, [
    arg.masked(modeArg, 32, 'mode', 'S_IFMT', ['S_IFIFO', 'S_IFCHR', 'S_IFBLK']),
    arg.bitsClear(modeArg, 32, 'mode', ['S_ISUID', 'S_ISGID']),
  ], 'special files: FIFOs (mkfifo) and device nodes (devices need CAP_MKNOD as well); not regular files or sockets (those are cpath), never setuid/setgid', `${OB} "dpath"`)),
  // tmppath: mkstemp + unlink + lstat.
  ...allowEach(['tmppath'], ['lstat', 'newfstatat', 'statx'], 'lstat() of the temporary file; of any path, even under the pledge command (Landlock has no right for metadata, and seccomp cannot see paths)', `${OB} "tmppath"`),
  ...allowEach(['tmppath'], ['unlink'], 'removing the temporary file; /tmp only under the pledge command (Landlock); in-process pair with unveil', `${OB} "tmppath"`),
  allowWhen(['tmppath'], 'unlinkat', [arg.bitsClear(2, 32, 'flags', 'AT_REMOVEDIR')], 'removing the temporary file (not directories); /tmp only under the pledge command (Landlock); in-process pair with unveil', `${OB} "tmppath"`),
  // fattr: times and modes.
  ...allowEach(['fattr'], ['utime', 'utimes', 'futimesat', 'utimensat'], 'changing file times', `${OB} "fattr"`),
  ...CHMOD.map(([syscall, modeArg]) => allowWhen(['fattr'], syscall, [arg.bitsClear(modeArg, 32, 'mode', ['S_ISUID', 'S_ISGID'])],
    'changing modes, without setuid/setgid bits (OpenBSD strips them under pledge; seccomp can only refuse)', `${OB} "fattr"`)),
  ...CHMOD.map(([syscall]): Rule => ({ syscall, action: ALLOW, requires: ['fattr', 'chown'], why: 'setuid/setgid modes need chown too, like ownership', source: `${OB} "chown"` })),
  // fattr: chown towards itself only (-1 leaves a field unchanged).
  ...CHOWN.map(([syscall, owner, group]) => allowWhen(['fattr'], syscall, [
    arg.in(owner, 32, 'owner', [{ runtime: 'uid' }, -1]),
    arg.in(group, 32, 'group', [{ runtime: 'gid' }, -1]),
  ], 'giving files to its own user and group only', `${OB} "fattr"`)),
  ...allowEach(['chown'], CHOWN.map(([s]) => s), 'changing owner and group to anyone (the kernel still requires the privilege)', `${OB} "chown"`),
];
