/**
 * Networking: `inet`, `mcast`, `unix`, `dns`, `route`, and the descriptor
 * passing promises `sendfd`/`recvfd`.
 *
 * What seccomp cannot see, and so cannot check (said in docs/promises.md):
 * the address behind a sockaddr pointer (connect/bind/sendto), so with any
 * network promise connect() works on every socket the process holds,
 * whatever its family; the contents of a msghdr (sendmsg/recvmsg addresses
 * and SCM_RIGHTS), so `sendfd`/`recvfd` cannot be told apart from plain
 * sendmsg/recvmsg, which `stdio` allows as OpenBSD does; netlink message
 * types, so `route` cannot tell a routing-table read from a write (the
 * kernel requires CAP_NET_ADMIN for writes: run unprivileged).
 */
import { SOCK_TYPE_MASK, type ConstantName } from '../constants.js';
import { ALLOW, arg, type ArgCondition, type PromiseName, type Rule, type SyscallName } from '../rules.js';
import { readOnlyOpenRules } from './open.js';
import { allowEach, allowWhen } from './helpers.js';

const OB = 'OpenBSD pledge(2)';

const socketRule = (requires: readonly PromiseName[], domains: ConstantName[], types: ConstantName[], protocols: readonly (ConstantName | number)[], why: string): Rule =>
  allowWhen(requires, 'socket', [
    arg.in(0, 32, 'domain', domains),
    arg.masked(1, 32, 'type', SOCK_TYPE_MASK, types),
    arg.in(2, 32, 'protocol', protocols),
  ], why, OB);

const sockopt = (requires: readonly PromiseName[], level: ConstantName, names: ConstantName[], why: string): Rule =>
  allowWhen(requires, 'setsockopt', [arg.in(1, 32, 'level', [level]), arg.in(2, 32, 'optname', names)] as ArgCondition[], why, `${OB} (pledge_sockopt)`);

/** Socket options a client or server commonly sets; no option that needs a capability, attaches BPF or changes routing. */
const SOCKET_LEVEL: ConstantName[] = ['SO_REUSEADDR', 'SO_REUSEPORT', 'SO_KEEPALIVE', 'SO_LINGER', 'SO_BROADCAST', 'SO_OOBINLINE',
  'SO_SNDBUF', 'SO_RCVBUF', 'SO_RCVLOWAT', 'SO_SNDLOWAT', 'SO_RCVTIMEO_OLD', 'SO_SNDTIMEO_OLD', 'SO_RCVTIMEO_NEW', 'SO_SNDTIMEO_NEW', 'SO_TIMESTAMP_OLD'];

/** sizeof(struct sockaddr_nl) (linux/netlink.h: family, pad, pid, groups), the same on every arch. */
const SOCKADDR_NL_SIZE = 12;

/**
 * glibc's nscd client (nscd/nscd_helper.c open_socket) makes exactly
 * socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) and, when that
 * fails with any errno, returns -1, restores errno and reads the files
 * itself: answering the probe costs the lookup nothing and grants no local
 * socket (connect's path is invisible to seccomp, so allowing it would mean
 * any socket: /var/run/docker.sock too). EACCES is a socket(2) errno.
 */
export function nscdProbe(requires: readonly PromiseName[], who: string): Rule {
  return {
    syscall: 'socket', requires, action: { kind: 'errno', errno: 'EACCES' },
    when: [arg.in(0, 32, 'domain', ['AF_UNIX']), arg.in(1, 32, 'type', [['SOCK_STREAM', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK']]), arg.in(2, 32, 'protocol', [0])],
    why: `${who}: glibc first asks nscd over a local socket and falls back to the files, silently, when socket() fails with any errno; only that exact call is answered (EACCES), any other local socket needs unix`,
    source: 'glibc nscd/nscd_helper.c open_socket',
  };
}

const CONNECTING: readonly SyscallName[] = ['connect', 'bind', 'listen', 'accept', 'accept4'];

export const NET_RULES: readonly Rule[] = [
  // inet
  socketRule(['inet'], ['AF_INET', 'AF_INET6'], ['SOCK_STREAM'], [0, 'IPPROTO_TCP'], 'TCP sockets'),
  socketRule(['inet'], ['AF_INET', 'AF_INET6'], ['SOCK_DGRAM'], [0, 'IPPROTO_UDP', 'IPPROTO_ICMP', 'IPPROTO_ICMPV6'], 'UDP and ping sockets (no raw sockets)'),
  ...allowEach(['inet'], CONNECTING, 'connecting, binding, listening and accepting (the address family is not visible to seccomp)', `${OB} "inet"`),
  ...allowEach(['inet'], ['sendto'], 'datagrams to any address', `${OB} "inet"`),
  sockopt(['inet'], 'SOL_SOCKET', SOCKET_LEVEL, 'common socket options'),
  sockopt(['inet'], 'IPPROTO_TCP', ['TCP_NODELAY', 'TCP_MAXSEG', 'TCP_CORK', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_DEFER_ACCEPT', 'TCP_QUICKACK', 'TCP_USER_TIMEOUT', 'TCP_FASTOPEN'], 'TCP options'),
  sockopt(['inet'], 'IPPROTO_IP', ['IP_TOS', 'IP_TTL', 'IP_RECVERR', 'IP_MTU_DISCOVER', 'IP_PKTINFO', 'IP_RECVTTL', 'IP_RECVTOS', 'IP_BIND_ADDRESS_NO_PORT'], 'IPv4 options (no IP_HDRINCL)'),
  sockopt(['inet'], 'IPPROTO_IPV6', ['IPV6_V6ONLY', 'IPV6_UNICAST_HOPS', 'IPV6_RECVPKTINFO', 'IPV6_TCLASS', 'IPV6_RECVERR'], 'IPv6 options'),
  allowWhen(['inet'], 'ioctl', [arg.in(1, 32, 'request', ['SIOCATMARK'])], 'out-of-band mark on a socket', `${OB} "inet"`),
  socketRule(['inet'], ['AF_NETLINK'], ['SOCK_RAW', 'SOCK_DGRAM'], ['NETLINK_ROUTE'],
    'the interface list (getifaddrs(), os.networkInterfaces(), getaddrinfo with AI_ADDRCONFIG): an RTM_GETLINK/RTM_GETADDR dump over NETLINK_ROUTE; OpenBSD allows the interface list under inet. A write request needs CAP_NET_ADMIN'),
  // mcast (with inet)
  sockopt(['inet', 'mcast'], 'IPPROTO_IP', ['IP_MULTICAST_IF', 'IP_MULTICAST_TTL', 'IP_MULTICAST_LOOP', 'IP_ADD_MEMBERSHIP', 'IP_DROP_MEMBERSHIP'], 'joining and sending to IPv4 multicast groups'),
  sockopt(['inet', 'mcast'], 'IPPROTO_IPV6', ['IPV6_MULTICAST_IF', 'IPV6_MULTICAST_HOPS', 'IPV6_MULTICAST_LOOP', 'IPV6_ADD_MEMBERSHIP', 'IPV6_DROP_MEMBERSHIP'], 'joining and sending to IPv6 multicast groups'),
  // unix
  socketRule(['unix'], ['AF_UNIX'], ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_SEQPACKET'], [0], 'local sockets'),
  ...allowEach(['unix'], CONNECTING, 'connecting, binding, listening and accepting (the address family is not visible to seccomp)', `${OB} "unix"`),
  ...allowEach(['unix'], ['sendto'], 'datagrams to a local socket address', `${OB} "unix"`),
  sockopt(['unix'], 'SOL_SOCKET', [...SOCKET_LEVEL, 'SO_PASSCRED'], 'common socket options and credentials passing'),
  // dns: what the C library resolver does. The config files cannot be singled out by path.
  socketRule(['dns'], ['AF_INET', 'AF_INET6'], ['SOCK_DGRAM'], [0, 'IPPROTO_UDP'], 'UDP to the name servers'),
  socketRule(['dns'], ['AF_INET', 'AF_INET6'], ['SOCK_STREAM'], [0, 'IPPROTO_TCP'], 'TCP to the name servers (large answers)'),
  ...allowEach(['dns'], ['connect', 'bind', 'sendto'], 'talking to the name servers; seccomp cannot check that the address is one', `${OB} "dns"`),
  sockopt(['dns'], 'IPPROTO_IPV6', ['IPV6_RECVPKTINFO', 'IPV6_V6ONLY'], 'resolver socket options'),
  sockopt(['dns'], 'IPPROTO_IP', ['IP_RECVERR'], 'resolver socket options'),
  socketRule(['dns'], ['AF_NETLINK'], ['SOCK_RAW', 'SOCK_DGRAM'], ['NETLINK_ROUTE'],
    "getaddrinfo() with AI_ADDRCONFIG (Node's dns.lookup, curl) asks the kernel which address families have addresses (glibc sysdeps/unix/sysv/linux/check_pf.c: an RTM_GETADDR dump over NETLINK_ROUTE, then bind, getsockname, sendto with a sockaddr_nl, recvmsg); OpenBSD allows the interface list under dns. A write request needs CAP_NET_ADMIN"),
  ...readOnlyOpenRules(['dns'], ALLOW, 'reading /etc/resolv.conf, /etc/hosts, /etc/nsswitch.conf, /etc/services; seccomp cannot check the path, unveil can', `${OB} "dns"`),
  ...allowEach(['dns'], ['newfstatat', 'statx', 'stat'], 'the resolver checks whether /etc/resolv.conf changed; seccomp cannot check the path (the pledge command does: only its files and \"/\", catalog/path-exceptions.ts METADATA_EXCEPTIONS)', `${OB} "dns"`),
  // route: reading interfaces and routes (getifaddrs, os.networkInterfaces()).
  socketRule(['route'], ['AF_NETLINK'], ['SOCK_RAW', 'SOCK_DGRAM'], ['NETLINK_ROUTE'], 'rtnetlink, the routing and interface tables'),
  ...allowEach(['route'], ['bind'], 'binding the netlink socket', 'OpenBSD pledge(2) "route"'),
  allowWhen(['route'], 'sendto', [arg.in(5, 32, 'addrlen', [SOCKADDR_NL_SIZE])],
    "the dump request to the kernel (getifaddrs: sendto with a struct sockaddr_nl, 12 bytes, naming the kernel); seccomp cannot read the address, so only its length is checked: no sockaddr_in (16) or sockaddr_in6 (28), but a 12-byte sockaddr_un passes on a local datagram socket the process already holds",
    'OpenBSD pledge(2) "route"; glibc sysdeps/unix/sysv/linux/ifaddrs.c __netlink_sendreq'),
  allowWhen(['route'], 'ioctl', [arg.in(1, 32, 'request', ['SIOCGIFCONF', 'SIOCGIFFLAGS', 'SIOCGIFINDEX', 'SIOCGIFNAME', 'SIOCGIFMTU', 'SIOCGIFHWADDR', 'SIOCGIFADDR', 'SIOCGIFNETMASK', 'SIOCGIFBRDADDR'])],
    'reading interface configuration (SIOCGIF*)', 'OpenBSD pledge(2) "route"'),
];
