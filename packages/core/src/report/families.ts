/**
 * The constant families a report decodes arguments with (`PROT_*`, `AF_*`,
 * `F_*`, …): names only, picked from core's CONSTANT_NAMES; their values
 * come from the arch descriptor when the report tables are built
 * (./tables.ts). A decode entry (./decode.ts) names a family.
 */
import { CONSTANT_NAMES, type ConstantName } from '../constants.js';

const NAMES = CONSTANT_NAMES as readonly ConstantName[];
const pick = (test: (n: string) => boolean): readonly ConstantName[] => NAMES.filter(test);
const OPEN_ACCESS: readonly ConstantName[] = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];

/** Families of constants, by name; a decode entry names one. Values come from the arch descriptor. */
export const REPORT_FAMILIES = {
  openAccess: OPEN_ACCESS,
  openFlags: pick((n) => (n.startsWith('O_') && n !== 'O_ACCMODE' && !OPEN_ACCESS.includes(n as ConstantName)) || n === '__O_TMPFILE' || n === 'FASYNC'),
  atFlags: ['AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_EMPTY_PATH', 'AT_SYMLINK_FOLLOW'],
  fcntl: pick((n) => n.startsWith('F_')),
  prot: pick((n) => n.startsWith('PROT_')),
  map: pick((n) => n.startsWith('MAP_')),
  mremap: pick((n) => n.startsWith('MREMAP_')),
  madvise: pick((n) => n.startsWith('MADV_')),
  ioctl: pick((n) => (/^(FIO|TC[A-Z]|TIOC|SIOC)/.test(n) || /^FI[A-Z]/.test(n)) && !n.startsWith('TIOCM_') && !n.startsWith('TCP_')),
  clone: pick((n) => n.startsWith('CLONE_')),
  prctl: pick((n) => n.startsWith('PR_')),
  archPrctl: pick((n) => n.startsWith('ARCH_')),
  seccompOp: ['SECCOMP_SET_MODE_STRICT', 'SECCOMP_SET_MODE_FILTER', 'SECCOMP_GET_ACTION_AVAIL', 'SECCOMP_GET_NOTIF_SIZES'],
  seccompFlags: pick((n) => n.startsWith('SECCOMP_FILTER_FLAG_')),
  signal: pick((n) => /^SIG[A-Z0-9]+$/.test(n)),
  addressFamily: pick((n) => n.startsWith('AF_')),
  sockType: ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET'],
  sockFlags: ['SOCK_NONBLOCK', 'SOCK_CLOEXEC'],
  ipProtocol: pick((n) => n.startsWith('IPPROTO_')),
  netlinkProtocol: ['NETLINK_ROUTE'],
  sockLevel: ['SOL_SOCKET', ...pick((n) => n.startsWith('IPPROTO_'))],
  socketOption: pick((n) => n.startsWith('SO_')),
  ipOption: pick((n) => n.startsWith('IP_')),
  ipv6Option: pick((n) => n.startsWith('IPV6_')),
  tcpOption: pick((n) => n.startsWith('TCP_')),
  rlimit: pick((n) => n.startsWith('RLIMIT_')),
  getrandom: pick((n) => n.startsWith('GRND_')),
} as const satisfies Record<string, readonly ConstantName[]>;

/** A family name of {@link REPORT_FAMILIES}. */
export type ReportFamily = keyof typeof REPORT_FAMILIES;
