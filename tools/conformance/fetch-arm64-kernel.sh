#!/usr/bin/env bash
# Fetches a Debian arm64 kernel Image for the aarch64 VM tests
# (tools/conformance/aarch64-vm.test.ts) into a cache, and prints where it is.
#
#   tools/conformance/fetch-arm64-kernel.sh [--profile NAME] [--cache DIR] [--refresh | --offline]
#
# Profiles (a profile is a Debian suite plus a kernel metapackage; add one
# below to test another kernel version):
#   bookworm            linux-image-cloud-arm64 from bookworm (+ -updates, -security): 6.1, Landlock ABI 2  (default)
#   bookworm-backports  linux-image-cloud-arm64 from bookworm-backports: 6.12, Landlock ABI 6
#   trixie              linux-image-cloud-arm64 from trixie (+ -security): 6.12
#
# How: apt with a private state directory and APT::Architecture=arm64, so
# neither dpkg nor the system's apt configuration is touched and no root is
# needed (no `dpkg --add-architecture`). apt checks the .deb against the
# signed archive indices. The metapackage is resolved to the current ABI
# package (e.g. linux-image-6.1.0-57-cloud-arm64); its .deb, vmlinuz (a raw
# arm64 Image, which qemu -kernel boots as it is) and config are kept under
#   <cache>/arm64-kernel/<package>_<version>/
# keyed by package and version, so a version once fetched never needs the
# network again. A resolution is trusted for SECCOMP_SCOPES_KERNEL_MAX_AGE
# seconds (default 7 days); after that apt is asked again (about 2 s, 9 MB of
# indices), and a new ABI package is downloaded (about 21 MB). When the
# mirror cannot be reached, the last kernel fetched for the profile is used,
# with a warning.
#
# Environment: SECCOMP_SCOPES_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/seccomp-scopes),
# SECCOMP_SCOPES_ARM64_KERNEL (default profile), DEBIAN_MIRROR
# (default http://deb.debian.org/debian), DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security).
#
# Output: on success, KEY=VALUE lines on stdout (shell- and parser-friendly):
#   KERNEL_PROFILE KERNEL_PACKAGE KERNEL_VERSION KERNEL_RELEASE KERNEL_IMAGE
#   KERNEL_CONFIG KERNEL_DEB KERNEL_ORIGIN (fetched | cached | stale-cache)
# Diagnostics go to stderr. Exit status 0, or 1 with the reason on stderr.
set -euo pipefail

die() { echo "fetch-arm64-kernel: $*" >&2; exit 1; }
note() { echo "fetch-arm64-kernel: $*" >&2; }

profile="${SECCOMP_SCOPES_ARM64_KERNEL:-bookworm}"
cache_root="${SECCOMP_SCOPES_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/seccomp-scopes}"
max_age="${SECCOMP_SCOPES_KERNEL_MAX_AGE:-604800}"
mode=auto
while (($#)); do
  case "$1" in
    --profile) profile="${2:?--profile needs a name}"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --cache) cache_root="${2:?--cache needs a directory}"; shift 2 ;;
    --cache=*) cache_root="${1#--cache=}"; shift ;;
    --refresh) mode=refresh; shift ;;
    --offline) mode=offline; shift ;;
    -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=""
[[ -r "$keyring" ]] && signed=" [signed-by=$keyring]"

# profile -> sources.list lines and the metapackage
case "$profile" in
  bookworm)
    meta=linux-image-cloud-arm64
    sources="deb$signed $mirror bookworm main
deb$signed $mirror bookworm-updates main
deb$signed $security bookworm-security main" ;;
  bookworm-backports)
    meta=linux-image-cloud-arm64
    sources="deb$signed $mirror bookworm-backports main" ;;
  trixie)
    meta=linux-image-cloud-arm64
    sources="deb$signed $mirror trixie main
deb$signed $security trixie-security main" ;;
  *) die "unknown profile \"$profile\" (known: bookworm, bookworm-backports, trixie)" ;;
esac

dir="$cache_root/arm64-kernel"
mkdir -p "$dir" || die "cannot create the cache directory $dir"
exec 9>"$dir/.lock"
flock -w 600 9 || die "timed out waiting for the lock on $dir/.lock (another fetch running?)"

resolved="$dir/$profile.resolved"   # KERNEL_PACKAGE=..., KERNEL_VERSION=...; its mtime is the resolution time

# Prints the KEY=VALUE lines of a kernel directory; fails if it is incomplete.
emit() { # <package> <version> <origin>
  local kdir="$dir/$1_$2"
  [[ -s "$kdir/Image" && -s "$kdir/release" ]] || return 1
  printf 'KERNEL_PROFILE=%s\nKERNEL_PACKAGE=%s\nKERNEL_VERSION=%s\nKERNEL_RELEASE=%s\nKERNEL_IMAGE=%s\nKERNEL_CONFIG=%s\nKERNEL_DEB=%s\nKERNEL_ORIGIN=%s\n' \
    "$profile" "$1" "$2" "$(cat "$kdir/release")" "$kdir/Image" "$kdir/config" "$kdir/kernel.deb" "$3"
}

from_cache() { # <origin>
  [[ -s "$resolved" ]] || return 1
  local pkg ver
  pkg="$(sed -n 's/^KERNEL_PACKAGE=//p' "$resolved")"
  ver="$(sed -n 's/^KERNEL_VERSION=//p' "$resolved")"
  [[ -n "$pkg" && -n "$ver" ]] || return 1
  emit "$pkg" "$ver" "$1"
}

if [[ "$mode" == offline ]]; then
  from_cache cached || die "no cached kernel for profile $profile in $dir, and --offline forbids fetching one"
  exit 0
fi
if [[ "$mode" == auto && -s "$resolved" ]]; then
  age=$(( $(date +%s) - $(stat -c %Y "$resolved") ))
  if (( age >= 0 && age < max_age )) && from_cache cached; then exit 0; fi
fi

command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian's apt"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# Private apt state for this profile: arm64 only, our sources only, no dpkg status.
adir="$dir/apt/$profile"
mkdir -p "$adir/lists/partial" "$adir/cache/archives/partial" "$adir/state"
printf '%s\n' "$sources" >"$adir/sources.list"
: >"$adir/state/status"
apt_opts=(
  -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
  -o "Dir::State=$adir/state" -o "Dir::State::Lists=$adir/lists" -o "Dir::State::status=$adir/state/status"
  -o "Dir::Cache=$adir/cache"
  -o "Dir::Etc::SourceList=$adir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
  -o "Acquire::Languages=none" -o "Acquire::Retries=2" -o "Acquire::http::Timeout=30"
  -o "quiet=1"
)
log="$dir/apt-$profile.log"
: >"$log"

fallback() { # <reason>
  if from_cache stale-cache; then
    note "$1; using the kernel fetched before for profile $profile (see $log)"
    exit 0
  fi
  note "$1"
  tail -n 15 "$log" | sed 's/^/  apt: /' >&2
  die "cannot get an arm64 kernel for profile $profile, and none is cached in $dir. Needs apt access to $mirror (and $security)."
}

note "resolving $meta ($profile) with apt (private state in $adir)"
apt-get "${apt_opts[@]}" update >>"$log" 2>&1 || fallback "apt-get update failed"
# apt-get update reports unreachable mirrors as warnings; an empty index is the real test.
pkg="$(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-enhances --no-pre-depends "$meta" 2>>"$log" \
  | sed -n 's/^ *Depends: \(linux-image-[^ ]*\).*/\1/p' | grep -v -- '-unsigned$' | head -n 1 || true)"
[[ -n "$pkg" ]] || fallback "cannot resolve $meta to a kernel package (no arm64 index from the mirror?)"
ver="$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>>"$log" | sed -n 's/^Version: //p' | head -n 1 || true)"
[[ -n "$ver" ]] || fallback "no candidate version of $pkg"

kdir="$dir/${pkg}_${ver}"
if ! emit "$pkg" "$ver" cached >/dev/null; then
  note "downloading $pkg $ver"
  work="$(mktemp -d "$dir/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get "${apt_opts[@]}" download "$pkg=$ver") >>"$log" 2>&1 || fallback "apt-get download $pkg=$ver failed"
  deb="$(ls "$work"/*.deb 2>/dev/null | head -n 1)"
  [[ -n "$deb" ]] || fallback "apt-get download left no .deb"
  mkdir -p "$work/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './boot/vmlinuz-*' './boot/config-*' \
    || die "cannot extract /boot from $deb"
  image="$(ls "$work"/x/boot/vmlinuz-* | head -n 1)"
  release="${image##*/vmlinuz-}"
  # Debian's arm64 vmlinuz is a raw Image ("ARM\x64" at offset 56); unpack it if a future one is gzip'd.
  if [[ "$(head -c 2 "$image" | od -An -tx1 | tr -d ' ')" == 1f8b ]]; then
    gzip -dc "$image" >"$work/Image"
  else
    cp "$image" "$work/Image"
  fi
  [[ "$(dd if="$work/Image" bs=1 skip=56 count=4 2>/dev/null)" == $'ARM\x64' ]] \
    || die "$image from $pkg $ver is not an arm64 Image (no ARM\\x64 magic)"
  mkdir -p "$work/k"
  mv "$work/Image" "$work/k/Image"
  cp "$work"/x/boot/config-* "$work/k/config"
  mv "$deb" "$work/k/kernel.deb"
  printf '%s\n' "$release" >"$work/k/release"
  rm -rf "$kdir"
  mv "$work/k" "$kdir"
  note "cached $pkg $ver ($release) in $kdir"
  origin=fetched
else
  origin=cached
fi
printf 'KERNEL_PACKAGE=%s\nKERNEL_VERSION=%s\n' "$pkg" "$ver" >"$resolved.tmp" && mv "$resolved.tmp" "$resolved"
# Drop kernels no profile resolves to any more (Debian replaced them), so the cache stays small.
for old in "$dir"/linux-image-*_*; do
  [[ -d "$old" ]] || continue
  name="${old##*/}"
  keep=0
  for r in "$dir"/*.resolved; do
    [[ -s "$r" ]] || continue
    [[ "$(sed -n 's/^KERNEL_PACKAGE=//p' "$r")_$(sed -n 's/^KERNEL_VERSION=//p' "$r")" == "$name" ]] && keep=1
  done
  if ((keep == 0)); then
    note "removing $name from the cache (no profile uses it any more)"
    rm -rf "$old"
  fi
done
emit "$pkg" "$ver" "$origin"
