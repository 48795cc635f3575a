/**
 * `rpath`, `wpath`, `cpath`: the file system, by kind of access. The
 * open(2) family is decided by flags in ./open.ts; here are the other path
 * calls. seccomp cannot see paths: which files these reach is unveil()'s job.
 */
import type { Rule } from '../rules.js';
import { allowEach } from './helpers.js';
import { CREAT_RULE, openRules } from './open.js';

const OB = 'OpenBSD pledge(2)';

/** Looking at paths without changing them: OpenBSD gives these to rpath and wpath alike. */
const LOOK = ['stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getcwd'];

export const PATH_RULES: readonly Rule[] = [
  ...openRules('openat', 2),
  ...openRules('open', 1),
  CREAT_RULE,
  ...allowEach(['rpath'], LOOK, 'reading metadata of paths (stat, access, readlink, getcwd)', `${OB} "rpath"`),
  ...allowEach(['rpath'], ['chdir', 'getdents', 'getdents64', 'statfs', 'fstatfs'], 'changing directory and listing directories', `${OB} "rpath"`),
  ...allowEach(['wpath'], LOOK, 'reading metadata of paths (stat, access, readlink, getcwd)', `${OB} "wpath"`),
  ...allowEach(['wpath'], ['truncate'], 'truncating a file by path', `${OB} "wpath"`),
  ...allowEach(['cpath'], ['rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'mkdir', 'mkdirat', 'rmdir'],
    'creating and removing names in the file system', `${OB} "cpath"`),
];
