#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are
# missing. Idempotent: when everything is present it only runs dpkg-query and
# exits, without touching apt.
#
#   .ci/install-system-deps.sh           install what is missing (root or sudo)
#   .ci/install-system-deps.sh --check   only report; exit 1 if something is missing
set -euo pipefail

# package          why
PACKAGES=(
  linux-libc-dev   # kernel UAPI headers: tools/gen-arch generates the syscall/constant tables from them
  seccomp          # scmp_sys_resolver: packages/arch-x86_64 cross-checks its table against libseccomp
  build-essential  # gcc, cpp, make: the native addon (node-gyp), tools/conformance/probe.c, and the compiler gen-arch evaluates constants with
  g++              # the native addon is C++
  python3          # node-gyp
  bsdutils         # script(1): the pledge tests give a child a pseudo-terminal
  util-linux       # setpriv(1): the native test of EACCES without no_new_privs
  zlib1g           # libz.so.1: the pledge tests dlopen it to map code under --jitless
  jq               # the `pledge` command tests run real programs under promises: jq, sqlite3,
  sqlite3          #   python3, and coreutils/gzip (Essential, always there)
  strace           # cli.unveil-log.test.ts: the flags the command passes to landlock_restrict_self
  # the acceptance table (packages/pledge-cli/test/cli.programs40.test.ts) runs these through the command:
  busybox          #   busybox sort
  libxml2-utils    #   xmllint
  gawk             #   gawk (mawk is Essential's awk)
  zstd             #   zstd (gzip, xz-utils, bzip2 are in most images; listed for minimal ones)
  xz-utils         #   xz
  bzip2            #   bzip2
  imagemagick      #   convert-im6.q16 (about 10 MB with its libraries, no recommends)
  ffmpeg           #   ffmpeg (about 90 MB with its libraries; the table's one video tool)
  pandoc           #   pandoc (about 180 MB unpacked: the largest; kept because the issue names it)
  curl             #   curl against a server on 127.0.0.1
  openssl          #   openssl dgst
  file             #   file(1) and its magic database
  git              #   git --version
  perl             #   perl -ne
  libseccomp-dev   # seccomp.h/libseccomp.so: tools/bench/lsc-load.c times libseccomp's end-to-end compile-and-load (seccomp_init,
                   #   seccomp_rule_add, seccomp_load), the C side of the first-pledge() comparison (issue 18)
  pkgconf          # pkg-config: the libpledge tests build C programs with `pkg-config --cflags --libs pledge`
  libpng-dev       # libpng: packages/libpledge/examples/png-gray, the C media example (decodes a PNG after pledge("stdio"))
  runc             # pledge export's proof (packages/pledge-cli/test/export.runtime.test.ts): runs the static conformance
                   #   probe as a container under exported OCI policies (Debian's crun refuses this machine's cgroup layout)
  bubblewrap       # bwrap --seccomp FD: the same proof for `pledge export --format bpf`
  # aarch64 (packages/arch-aarch64, tools/conformance/aarch64-vm.test.ts):
  linux-libc-dev-arm64-cross  # arm64 UAPI headers: gen-arch's aarch64 table
  libc6-dev-arm64-cross       # arm64 glibc headers (libc-only constants) and static libc for the VM probe
  gcc-aarch64-linux-gnu       # aarch64-linux-gnu-gcc: gen-arch's arm64 constants, and the static probe that runs as the VM's /init
  g++-aarch64-linux-gnu       # the arm64 prebuilt addon (packages/native/scripts/prebuild.mjs, run by npm pack)
  gcc-arm-linux-gnueabihf     # the static AArch32 helper: proves the filter kills compat (AUDIT_ARCH_ARM) calls
  libc6-dev-armhf-cross       # its static libc
  qemu-system-arm             # qemu-system-aarch64: boots Debian's arm64 kernel (TCG, no KVM needed)
)

# node-gyp only needs a python3 executable; CI images often provide one outside
# dpkg (setup-python, pyenv), which is as good as the Debian package.
satisfied_by_command() {
  case "$1" in
    python3) command -v python3 >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

check_only=0
case "${1-}" in
  '') ;;
  --check) check_only=1 ;;
  -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
  *) echo "install-system-deps: unknown argument: $1" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: dpkg-query not found; this script supports Debian and derivatives only" >&2
  exit 2
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" == installed ]] || satisfied_by_command "$pkg"; then
    continue
  fi
  missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-system-deps: all present (${PACKAGES[*]})"
  exit 0
fi

echo "install-system-deps: missing: ${missing[*]}"
if ((check_only)); then
  exit 1
fi

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-system-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-system-deps: installed ${missing[*]}"
