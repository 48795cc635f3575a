/**
 * Syscalls no promise allows, on purpose, and why. Together with the rules
 * this gives every syscall of an arch's table a written decision; a test
 * checks that nothing is left undecided. Source of the reasons: the man
 * pages of each call; OpenBSD has no promise for any of them.
 *
 * DENIED names only syscalls of our arch tables (typed: a misspelling fails
 * the type checker). Names a reader may look for that are on neither table
 * are in {@link NOT_IN_TABLES}, each with the reason.
 */
import type { SyscallName } from '../rules.js';

export interface Denial {
  readonly syscalls: readonly SyscallName[];
  readonly why: string;
}

/** A name that is on none of our arch tables, and why. */
export interface NotInTables {
  readonly name: string;
  readonly why: string;
}

export const DENIED: readonly Denial[] = [
  { syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'kcmp', 'process_madvise', 'process_mrelease'],
    why: 'reaches into other processes (memory, descriptors, tracing)' },
  { syscalls: ['mount', 'umount2', 'pivot_root', 'chroot', 'swapon', 'swapoff', 'reboot', 'sethostname', 'setdomainname', 'syslog', 'acct', 'quotactl', 'quotactl_fd', 'nfsservctl', 'sysfs', 'ustat', 'vhangup', 'sync', 'syncfs', 'iopl', 'ioperm', 'modify_ldt', 'uselib', 'lookup_dcookie', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module', 'afs_syscall', 'tuxcall', 'security', 'getpmsg', 'putpmsg', 'vserver', '_sysctl'],
    why: 'administers the whole system, or is obsolete' },
  { syscalls: ['unshare', 'setns'],
    why: 'enters or creates namespaces (as root it would undo the sandbox\'s view of the system)' },
  { syscalls: ['bpf', 'perf_event_open', 'userfaultfd', 'fanotify_init', 'fanotify_mark', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'],
    why: 'kernel programming, observation or event interfaces with a large attack surface' },
  { syscalls: ['keyctl', 'add_key', 'request_key'],
    why: 'the kernel keyring, shared beyond the process' },
  { syscalls: ['personality'],
    why: 'READ_IMPLIES_EXEC would make every readable mapping executable' },
  { syscalls: ['remap_file_pages', 'memfd_secret', 'set_mempolicy', 'mbind', 'migrate_pages', 'move_pages', 'set_mempolicy_home_node'],
    why: 'memory interfaces outside the stdio contract' },
  { syscalls: ['mlockall', 'munlockall'],
    why: 'locking memory: as root RLIMIT_MEMLOCK does not apply, so it can exhaust memory for the whole system (mlock and mlock2 answer EPERM instead: always.ts PROBE_RULES)' },
  { syscalls: ['memfd_create'],
    why: 'an anonymous file that can be executed with execveat or mapped executable; not needed by stdio' },
  { syscalls: ['name_to_handle_at', 'open_by_handle_at'],
    why: 'opening files by handle bypasses path lookup (and unveil)' },
  { syscalls: ['setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr'],
    why: 'changing extended attributes (security labels, capabilities on files)' },
  { syscalls: ['io_setup', 'io_destroy', 'io_getevents', 'io_submit', 'io_cancel', 'io_pgetevents'],
    why: 'Linux AIO: submission through a context the filter does not look into' },
  { syscalls: ['msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semctl', 'semtimedop', 'shmget', 'shmat', 'shmctl', 'shmdt', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr'],
    why: 'System V and POSIX IPC objects are named system-wide (and shmat can map executable memory)' },
  { syscalls: ['timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete'],
    why: 'POSIX timers can deliver signals to other threads by id; setitimer and timerfd cover the need' },
  { syscalls: ['rt_sigqueueinfo', 'rt_tgsigqueueinfo'],
    why: 'queued signals with forged sender information' },
  { syscalls: ['get_thread_area', 'set_thread_area', 'epoll_ctl_old', 'epoll_wait_old', 'vmsplice'],
    why: 'not needed by any promise' },
];

const NEWER = (version: string, what: string): string =>
  `${what}; added in Linux ${version}, newer than the 6.1 UAPI headers the tables come from: its number is unknown to the filter, which answers ENOSYS (not needed by any promise)`;

/**
 * Names that are on none of our arch tables (so no rule or denial can be
 * compiled for them), and why: newer than the headers the tables are
 * generated from (a filter answers such numbers ENOSYS, as for every number
 * its table does not know), or not a syscall of these arches at all. A test
 * checks that none of them is on a table: when the tables are regenerated
 * from newer headers, each must move to a rule or to {@link DENIED}.
 */
export const NOT_IN_TABLES: readonly NotInTables[] = [
  { name: 'seccomp_unotify', why: 'not a syscall: the seccomp_unotify(2) man page, on SECCOMP_RET_USER_NOTIF (a pledged process cannot get a listener: see the seccomp rule of the always-allowed calls)' },
  { name: 'socketcall', why: 'not a syscall of these arches: the i386 multiplexer for socket calls, which x86_64 and aarch64 make as separate syscalls (i386 numbers fail the audit arch check)' },
  { name: 'ipc', why: 'not a syscall of these arches: the i386 multiplexer for System V IPC, which x86_64 and aarch64 make as separate syscalls (all denied above)' },
  { name: 'cachestat', why: NEWER('6.5', 'page cache statistics of a file') },
  { name: 'fchmodat2', why: NEWER('6.6', 'fchmodat with flags') },
  { name: 'map_shadow_stack', why: NEWER('6.6', 'x86 shadow stacks') },
  { name: 'futex_wake', why: NEWER('6.7', 'futex2 wake') },
  { name: 'futex_wait', why: NEWER('6.7', 'futex2 wait') },
  { name: 'futex_requeue', why: NEWER('6.7', 'futex2 requeue') },
  { name: 'statmount', why: NEWER('6.8', 'mount information by mount id') },
  { name: 'listmount', why: NEWER('6.8', 'listing mounts by mount id') },
  { name: 'lsm_get_self_attr', why: NEWER('6.8', 'LSM attributes of the caller') },
  { name: 'lsm_set_self_attr', why: NEWER('6.8', 'setting LSM attributes of the caller') },
  { name: 'lsm_list_modules', why: NEWER('6.8', 'listing the active LSMs') },
  { name: 'mseal', why: NEWER('6.10', 'sealing mappings') },
];
