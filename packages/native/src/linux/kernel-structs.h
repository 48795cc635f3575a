// Kernel ABI structures and constants the addon declares itself, each once:
// those an installed UAPI header may lack (older than the running kernel) and
// those no C library header exposes as the kernel lays them out. Their
// layout is fixed by the kernel's ABI; the sources are named per item.
// With raw-syscall.h, the only place with per-architecture layouts.
#ifndef SECCOMP_SCOPES_LINUX_KERNEL_STRUCTS_H_
#define SECCOMP_SCOPES_LINUX_KERNEL_STRUCTS_H_

#include <linux/seccomp.h>  // struct seccomp_notif*, SECCOMP_IOCTL_* (maybe without ADDFD)
#include <linux/types.h>    // __u32, __u64
#include <sys/ioctl.h>      // _IOW

#include <cstdint>

// ---------------------------------------------------------------- seccomp

// SECCOMP_IOCTL_NOTIF_ADDFD (Linux 5.9) and its flags (SEND: 5.14), from
// include/uapi/linux/seccomp.h, for headers older than that.
#ifndef SECCOMP_IOCTL_NOTIF_ADDFD
struct seccomp_notif_addfd {
  __u64 id;
  __u32 flags;
  __u32 srcfd;
  __u32 newfd;
  __u32 newfd_flags;
};
#define SECCOMP_IOCTL_NOTIF_ADDFD _IOW('!', 3, struct seccomp_notif_addfd)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SETFD
#define SECCOMP_ADDFD_FLAG_SETFD (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

// si_code of a SIGSYS sent by seccomp (include/uapi/asm-generic/siginfo.h).
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

namespace seccomp_scopes {

// ---------------------------------------------------------------- signals

// struct sigaction as rt_sigaction(2) takes it on architectures that define
// SA_RESTORER, x86_64 and arm64 among them (include/linux/signal_types.h,
// struct sigaction with a one-word sigset_t): not glibc's struct sigaction,
// whose mask is 128 bytes and whose order differs.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};
// The sigsetsize argument rt_sigaction(2) wants with it.
constexpr long kKernelSigsetBytes = sizeof(uint64_t);
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(KernelSigaction) == 32, "the kernel's struct sigaction is 4 words on x86_64 and arm64");
#endif

// ---------------------------------------------------------------- Landlock
//
// include/uapi/linux/landlock.h, declared here rather than included: the
// installed copy may predate the ABI the running kernel offers.

constexpr uint32_t kLandlockCreateRulesetVersion = 1U << 0;  // LANDLOCK_CREATE_RULESET_VERSION
constexpr int kLandlockRulePathBeneath = 1;                   // LANDLOCK_RULE_PATH_BENEATH

// struct landlock_ruleset_attr, first member only. The kernel accepts any
// size from the first member up (copy_struct_from_user); handling only
// file-system rights needs nothing more, on every ABI.
struct LandlockRulesetAttrFs {
  uint64_t handled_access_fs;
};

// struct landlock_path_beneath_attr (packed in the UAPI: 12 bytes).
struct __attribute__((packed)) LandlockPathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
static_assert(sizeof(LandlockPathBeneathAttr) == 12, "landlock_path_beneath_attr is 12 bytes");

// ---------------------------------------------------------------- directories

// struct linux_dirent64 as getdents64(2) returns it (the C library declares
// it only for its own readdir).
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_KERNEL_STRUCTS_H_
