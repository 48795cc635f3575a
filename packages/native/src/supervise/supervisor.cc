// The `pledge` command's launcher and supervisor: runs a program under a
// seccomp filter whose refusals are decided by this process, so that
// programs we do not control can be given promises, a start-up window for
// the dynamic loader, and readable reports.
//
//   parent (this process)                 child (the launcher, then the program)
//   ---------------------                 --------------------------------------
//   PR_SET_DUMPABLE 0
//   fork ------------------------------>  signals to default, PDEATHSIG, dumpable
//   filter = client.Filter(pid)
//   write the filter ------------------>  read it
//                                         no_new_privs; CAP_SYS_PTRACE dropped;
//                                         Landlock (ruleset_fd: the rules, or a
//                                         dynamic program's start-up domain)
//                                         n = lowest free descriptor
//   read n  <--------------------------   write n
//                                         seccomp(NEW_LISTENER) -> descriptor n
//   pidfd_getfd(child, n) = listener      execve(program)  (notified: waits)
//   CONTINUE the execve -------------->   the program starts
//
// The filter (compiled in TypeScript) allows the promises in the kernel and
// returns SECCOMP_RET_USER_NOTIF for everything else, for execve/execveat,
// and for the preload's marker (preload/protocol.h). The supervisor loop
// polls the listener and a pidfd of the child, and decides each
// notification:
//
// - before the program runs: the launcher's own execve, and its write of a
//   failed execve's errno, are let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE);
// - during the loader window (dynamic programs, until the marker or an
//   execve): the calls the dynamic loader makes are let through (path
//   metadata, thread set-up, PROT_EXEC mappings of the loader's files, ...
//   see loader-window.cc), except read-only opens, which the supervisor
//   performs itself for the loader's files only (SECCOMP_IOCTL_NOTIF_ADDFD);
// - everything else is handed to the client (the policy in JavaScript),
//   which reports it and answers: continue, an errno, or kill (SIGKILL at
//   once, before the call is answered: penalty.cc);
// - a call through a foreign ABI (another audit arch, i386's int 0x80 on
//   x86_64, or an x32 number: the filter notifies them instead of killing)
//   is never let through nor given the window: it goes to the client to be
//   reported (SupervisedCall.foreign), and the caller is killed whatever
//   the client answers.
//
// Each process whose calls reach the client is named by a number that is
// never reused (SupervisedCall.process, process-names.cc), kept with a
// pidfd: when that shows the process ended, the client is told
// ("process-exit") before any later call, so a process that gets a pid
// again is never taken for the one that had it (the policy remembers per
// process whether it called execve).
//
// Paths named by a call are read from the child (process_vm_readv), and the
// notification is checked with SECCOMP_IOCTL_NOTIF_ID_VALID after reading,
// so a report never describes a task that has been replaced meanwhile.
//
// Files: launcher.cc (the child side, signal forwarding), listener.cc (the
// notification descriptor), loader-window.cc, penalty.cc, process-names.cc,
// this file (the set-up handshake and the loop, which share the
// supervisor's state and read best together: hence its ~550 lines), and
// supervise-js.cc (the only one that sees JavaScript values).
//
// Semantics: seccomp(2), seccomp_unotify(2), pidfd_open(2), pidfd_getfd(2),
// the kernel's Documentation/userspace-api/seccomp_filter.rst.

#include "supervisor.h"

#include "../linux/clock.h"           // MonotonicMs
#include "../linux/errno-name.h"      // ErrnoName
#include "../linux/fd.h"              // Fd
#include "../linux/proc.h"            // ReadLink, ReadRemoteString, ReadRemotePath, TgidOf, CommOf, StartTimeOf, ThreadCount
#include "../preload/protocol.h"      // PLEDGE_LANDLOCK_*
#include "../syscall-fallbacks.h"     // SYS_pidfd_*
#include "launcher.h"
#include "listener.h"
#include "loader-window.h"
#include "penalty.h"
#include "process-names.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace seccomp_scopes {

const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::kExec: return "exec";
    case Phase::kLoader: return "loader";
    case Phase::kRunning: return "running";
  }
  return "?";
}

const char* EventName(SupervisorEvent::Kind kind) {
  switch (kind) {
    case SupervisorEvent::kExec: return "exec";
    case SupervisorEvent::kLoaderDone: return "loader-done";
    case SupervisorEvent::kLoaderTimeout: return "loader-timeout";
    case SupervisorEvent::kProcessExit: return "process-exit";
    case SupervisorEvent::kProgramChanged: return "program-changed";
  }
  return "?";
}

namespace {

// The audit arch of this build's own system call entry, and whether its
// numbers have a foreign range (x32's bit on x86_64).
#if defined(__x86_64__)
constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_X86_64;
constexpr uint64_t kForeignNrBit = 0x40000000;  // __X32_SYSCALL_BIT
#elif defined(__aarch64__)
constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_AARCH64;
constexpr uint64_t kForeignNrBit = 0;
#else
#error "the supervisor knows the audit arch of x86_64 and aarch64 only (docs/adding-an-architecture.md)"
#endif

// A call through another ABI than the program's: the filter sends those
// here (foreignAbi: notify) so that they are reported; none is allowed.
bool IsForeignAbi(const struct seccomp_data& d) {
  return d.arch != kNativeAuditArch || (kForeignNrBit != 0 && (static_cast<uint32_t>(d.nr) & kForeignNrBit) != 0);
}

// Learn mode: whether the call is the learn marker (preload/protocol.h).
bool IsLearnMarker(const struct seccomp_data& d) {
  return d.nr == SYS_getppid && d.args[0] == LEARN_MARKER_A && d.args[1] == LEARN_MARKER_B;
}

// Learn mode: `len` bytes at `addr` in task `tid` (process_vm_readv), all
// of them or nothing.
bool ReadRemoteBytes(pid_t tid, uint64_t addr, size_t len, std::string* out) {
  out->assign(len, '\0');
  size_t got = 0;
  while (got < len) {
    struct iovec local = {out->data() + got, len - got};
    struct iovec remote = {reinterpret_cast<void*>(static_cast<uintptr_t>(addr + got)), len - got};
    const ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

struct Fds {
  int cmd_r = -1, cmd_w = -1, status_r = -1, status_w = -1, pidfd = -1;
  void Close(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  ~Fds() {
    Close(&cmd_r); Close(&cmd_w); Close(&status_r); Close(&status_w); Close(&pidfd);
  }
};

class Supervisor {
 public:
  Supervisor(const SuperviseConfig& config, SupervisorClient* client) : config_(config), client_(client) {
    signals_.signals = config.signals;
  }

  ~Supervisor() {
    for (const auto& e : comm_fds_) close(e.second);
  }

  SuperviseOutcome Run();

 private:
  void KillAndReap();
  [[noreturn]] void Fail(int err, const std::string& syscall);
  void SetupFailed(const LaunchMsg& msg);
  bool ReadMsg(LaunchMsg* msg, int timeout_ms);
  void FetchListener(int target_fd);
  void DrainStatus();
  void HandleNotification();
  void EmulateOpen(uint64_t id, const struct seccomp_data& d, pid_t tid, const OpenRules& rules);
  void EmulateStat(uint64_t id, const struct seccomp_data& d, pid_t tgid, pid_t tid, const std::vector<std::string>& paths);
  bool ExecUnderWay(pid_t tgid, pid_t caller);
  void Penalize(uint64_t id, pid_t tgid);
  void Event(const SupervisorEvent& event) { client_->Event(event); }
  void EnterRunning(const char* how);
  std::string CommOfProcess(double process, pid_t tgid);
  void ForgetEnded();
  void LoaderTimeout();
  void LearnCall(uint64_t id, const struct seccomp_data& d, pid_t tid, bool foreign);
  // The parts of `call` the notification itself gives (caller, number, arguments, phase).
  void DescribeCall(SupervisedCall* call, pid_t tgid, pid_t tid, const struct seccomp_data& d, bool foreign) const;
  bool WindowWouldOpen(const struct seccomp_data& d, pid_t tid);
  bool ProgramIsInspected();

  const SuperviseConfig& config_;
  SupervisorClient* client_;
  SavedSignals signals_;

  Fds fds_;
  Listener listener_;
  pid_t child_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  Phase phase_ = Phase::kExec;
  double loader_deadline_ = 0;
  bool program_checked_ = false;  // the child's image was compared with the inspected file (ProgramIsInspected)
  std::string loader_end_ = "none";
  int exec_errno_ = 0;
  int launcher_status_fd_ = -1;
  bool child_penalized_ = false;  // the kill penalty was applied to the child
  int violations_ = 0;
  std::string unveil_error_;
  Kills kills_;          // processes being killed
  ProcessNames names_;   // processes whose calls the client has been given
  std::unordered_map<double, uint64_t> start_times_;  // per process number: its start time (/proc/PID/stat)
  std::unordered_map<double, int> comm_fds_;          // per process number: its /proc/PID/comm, open
  // Learn mode: per thread, its process and that process' number (dropped
  // when the process ends); per process number, how many execve or learn
  // markers it made (a new image, or a new call site: calls are recorded
  // anew); the calls recorded (learn_keys).
  struct LearnThread {
    pid_t tgid;
    double process;
  };
  std::unordered_map<pid_t, LearnThread> learn_threads_;
  std::unordered_map<double, uint32_t> learn_generation_;
  std::unordered_map<std::string, int> learn_seen_;  // recorded calls, with the errno given (0: none)
  // Per process: the threads other than its main one whose execve was let through (EmulateStat, ExecUnderWay).
  std::unordered_map<pid_t, std::vector<pid_t>> execs_;
};

void Supervisor::KillAndReap() {
  if (child_ > 0 && !reaped_) {
    kill(child_, SIGKILL);
    while (waitpid(child_, &wait_status_, 0) < 0 && errno == EINTR) {}
    reaped_ = true;
  }
  RestoreSignals(signals_);
}

void Supervisor::Fail(int err, const std::string& syscall) {
  KillAndReap();
  throw SuperviseError(err, syscall);
}

void Supervisor::SetupFailed(const LaunchMsg& msg) {
  Fail(msg.value, std::string("launcher: ") + LaunchStageCall(msg.stage));
}

// Reads one launcher message; false on EOF or timeout.
bool Supervisor::ReadMsg(LaunchMsg* msg, int timeout_ms) {
  struct pollfd p = {fds_.status_r, POLLIN, 0};
  const double deadline = MonotonicMs() + timeout_ms;
  for (;;) {
    const int left = static_cast<int>(deadline - MonotonicMs());
    if (left <= 0) return false;
    const int n = poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t r = read(fds_.status_r, msg, sizeof *msg);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return r == static_cast<ssize_t>(sizeof *msg);
  }
}

// Takes the listener from the child: it exists once the child's seccomp()
// returned, which pidfd_getfd finds out (EBADF until then).
void Supervisor::FetchListener(int target_fd) {
  const double deadline = MonotonicMs() + 10000;
  for (;;) {
    const long fd = syscall(SYS_pidfd_getfd, fds_.pidfd, target_fd, 0);
    if (fd >= 0) {
      if (ReadLink("/proc/self/fd/" + std::to_string(fd)).find("seccomp notify") != std::string::npos) {
        listener_.Adopt(static_cast<int>(fd));
        return;
      }
      close(static_cast<int>(fd));
    } else if (errno != EBADF) {
      Fail(errno, "pidfd_getfd");
    }
    // Not there yet. The launcher holds its end of the status pipe until
    // its execve, which waits for us: anything on the pipe now is a failure.
    struct pollfd p = {fds_.status_r, POLLIN, 0};
    if (poll(&p, 1, 1) > 0) {
      LaunchMsg msg;
      if (ReadMsg(&msg, 100) && msg.tag == 'E') SetupFailed(msg);
      Fail(ECHILD, "launcher (ended before installing its filter)");
    }
    if (MonotonicMs() > deadline) Fail(ETIMEDOUT, "pidfd_getfd (waiting for the launcher's filter)");
  }
}

// Non-blocking: the launcher's 'X' (execve failed) and the end of the
// pipe, which the successful execve closes (close-on-exec) before the new
// program makes any system call.
void Supervisor::DrainStatus() {
  while (fds_.status_r >= 0) {
    LaunchMsg msg;
    const ssize_t r = read(fds_.status_r, &msg, sizeof msg);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;  // EAGAIN: nothing yet
    if (r == 0) {
      fds_.Close(&fds_.status_r);
      if (exec_errno_ == 0 && phase_ == Phase::kExec) {
        if (config_.loader) {
          phase_ = Phase::kLoader;
          loader_deadline_ = MonotonicMs() + config_.loader_timeout_ms;
          Event({SupervisorEvent::kExec});
        } else {
          Event({SupervisorEvent::kExec});
          EnterRunning("static");
        }
      }
      return;
    }
    if (r == static_cast<ssize_t>(sizeof msg) && msg.tag == 'X') exec_errno_ = msg.value;
  }
}

// Tells the client which tracked processes have ended ("process-exit" with
// their pid and number) before any call of a process that may have got one
// of their pids.
void Supervisor::ForgetEnded() {
  for (const auto& e : names_.ForgetEnded()) {
    start_times_.erase(e.second);
    auto comm = comm_fds_.find(e.second);
    if (comm != comm_fds_.end()) {
      close(comm->second);
      comm_fds_.erase(comm);
    }
    if (config_.learn) {
      for (auto it = learn_threads_.begin(); it != learn_threads_.end();) {
        it = it->second.process == e.second ? learn_threads_.erase(it) : std::next(it);
      }
      learn_generation_.erase(e.second);
    }
    SupervisorEvent event{SupervisorEvent::kProcessExit};
    event.pid = e.first;
    event.process = e.second;
    Event(event);
  }
}

// The name of process `process` (pid `tgid`, whose call is pending): its
// /proc/PID/comm is opened once and read with pread on each call (one
// system call instead of open, read and close; the name changes with execve
// and PR_SET_NAME, so it is read every time). The open file stays with the
// process it was opened for: it is closed when that process ends
// (ForgetEnded), before its pid can name another.
std::string Supervisor::CommOfProcess(double process, pid_t tgid) {
  if (process == 0) return CommOf(tgid);
  int fd;
  auto known = comm_fds_.find(process);
  if (known != comm_fds_.end()) {
    fd = known->second;
  } else {
    fd = open(("/proc/" + std::to_string(tgid) + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CommOf(tgid);
    comm_fds_.emplace(process, fd);
  }
  char buf[64];
  const ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return CommOf(tgid);
  std::string out(buf, static_cast<size_t>(n));
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void Supervisor::EnterRunning(const char* how) {
  phase_ = Phase::kRunning;
  loader_end_ = how;
}

// The kill penalty (penalty.cc): SIGKILL before the call is answered, so
// the call never returns; further calls of its other threads fail with
// ENOSYS, unreported.
void Supervisor::Penalize(uint64_t id, pid_t tgid) {
  if (tgid == child_) child_penalized_ = true;
  kills_.Penalize(tgid, [&] { return listener_.StillPending(id); });
  listener_.Deny(id, ENOSYS);  // the call is gone with the process (ENOENT, ignored)
}

// A read-only open in the window is never let through: the path is read
// from the child once and checked to still belong to a pending call, then
// the loader window opens the file (OpenForChild) and it is put in the
// child with SECCOMP_IOCTL_NOTIF_ADDFD as the call's result. Whatever the
// child changes in its memory afterwards, it gets this file or nothing.
void Supervisor::EmulateOpen(uint64_t id, const struct seccomp_data& d, pid_t tid, const OpenRules& rules) {
  const OpenCall call = OpenCallOf(d);
  std::string path;
  // As the kernel's getname(): EFAULT for a string running into an unreadable page.
  if (const int read_err = ReadRemotePath(tid, call.path_addr, &path)) return listener_.Deny(id, read_err);
  if (path.empty()) return listener_.Deny(id, ENOENT);
  if (!listener_.StillPending(id)) return;
  const int fd = OpenForChild(rules, tid, call, path);
  if (fd < 0) return listener_.Deny(id, -fd);
  Fd file(fd);
  listener_.HandOver(id, file.get(), call.flags & O_CLOEXEC);
}

// A stat of one of the listed paths (`dns`, `getpw`: their files' metadata,
// path-exceptions.ts decideStat): the path is read from the child once,
// checked and stat'ed here (StatForChild), and the result written into the
// child's buffer (process_vm_writev, which respects the memory's
// protection as the kernel's own copy would: EFAULT where the call would
// fault), after checking that the call is still pending (the task, and so
// the address space written, is the caller's). Whatever the child changes
// in its memory after the read, it gets this file's metadata or nothing:
// a CONTINUE after the check would let another thread swap the path.
// The one window left is the few microseconds between the last
// ID_VALID check and the write, in which the caller would have to die and
// its thread id be given to a new task (a wrap of the pid space). The
// other way for the id to change hands is closed: when a thread other than
// the main one executes a program, the kernel gives the main thread's id
// to it with the new image (a test found a struct stat in the new image's
// .bss at its 4457th exec, on a loaded machine, while this wrote after the check). Every execve
// reaches this supervisor, which answers one call at a time, so only one
// let through before this call can be under way (ExecUnderWay): while a
// thread may still be in one, nothing is written and the call fails with
// EINTR (if that execve succeeds, the caller is gone with its image).
void Supervisor::EmulateStat(uint64_t id, const struct seccomp_data& d, pid_t tgid, pid_t tid, const std::vector<std::string>& paths) {
  const StatCall call = StatCallOf(d);
  std::string path;
  if (const int read_err = ReadRemotePath(tid, call.path_addr, &path)) return listener_.Deny(id, read_err);
  if (path.empty()) return listener_.Deny(id, ENOENT);
  std::string result;
  const int err = StatForChild(paths, call, path, &result);
  if (err != 0) return listener_.Deny(id, err);
  if (ExecUnderWay(tgid, tid)) return listener_.Deny(id, EINTR);
  if (!listener_.StillPending(id)) return;
  struct iovec local = {result.data(), result.size()};
  struct iovec remote = {reinterpret_cast<void*>(static_cast<uintptr_t>(call.buf_addr)), result.size()};
  if (process_vm_writev(tid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(result.size())) return listener_.Deny(id, EFAULT);
  listener_.Return(id, 0);
}

// Whether a thread of process `tgid`, other than `caller` and its main
// thread (which keeps its id through its own execve), may be inside an
// execve this supervisor let through (execs_): its
// /proc/PID/task/TID/syscall names execve or execveat, or says "running"
// (in the kernel or not: /proc cannot tell; a thread whose execve failed
// and that then computes without blocking is taken for one still in it),
// or cannot be read for another reason than its end. A thread seen out of
// it (another call of its own, blocked in another syscall, or gone: it
// ended, or its execve succeeded and it took the main thread's id) is
// forgotten.
bool Supervisor::ExecUnderWay(pid_t tgid, pid_t caller) {
  auto it = execs_.find(tgid);
  if (it == execs_.end()) return false;
  std::vector<pid_t>& threads = it->second;
  for (size_t i = 0; i < threads.size();) {
    const pid_t t = threads[i];
    bool under_way = false;
    if (t != caller) {
      const int fd = open(("/proc/" + std::to_string(tgid) + "/task/" + std::to_string(t) + "/syscall").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        under_way = errno != ENOENT && errno != ESRCH;
      } else {
        char buf[32] = {0};
        const ssize_t n = read(fd, buf, sizeof buf - 1);
        const int read_err = errno;
        close(fd);
        if (n <= 0) {
          under_way = read_err != ESRCH;
        } else {
          const long nr = std::strtol(buf, nullptr, 10);
          under_way = std::strncmp(buf, "running", 7) == 0 || nr == SYS_execve || nr == SYS_execveat;
        }
      }
    }
    if (under_way) return true;
    threads[i] = threads.back();
    threads.pop_back();
  }
  execs_.erase(it);
  return false;
}

void Supervisor::DescribeCall(SupervisedCall* call, pid_t tgid, pid_t tid, const struct seccomp_data& d, bool foreign) const {
  call->pid = tgid;
  call->tid = tid;
  call->nr = d.nr;
  call->arch = d.arch;
  for (int i = 0; i < 6; i++) call->args[i] = static_cast<uint64_t>(d.args[i]);
  call->ip = static_cast<uint64_t>(d.instruction_pointer);
  call->phase = phase_;
  call->main = tgid == child_;
  call->foreign = foreign;
}

void Supervisor::HandleNotification() {
  const struct seccomp_notif* req = listener_.Receive();
  if (req == nullptr) return;
  const struct seccomp_data& d = req->data;
  const pid_t tid = static_cast<pid_t>(req->pid);
  const uint64_t id = req->id;
  // Numbers of another ABI mean other calls: nothing below that decides on
  // a number (the launcher's, the window's, the path table) applies.
  const bool foreign = IsForeignAbi(d);

  if (phase_ == Phase::kExec) DrainStatus();
  if (phase_ == Phase::kExec) {
    // Only the launcher runs: its execve, and its report of a failed one.
    const bool launcher = tid == child_ && !foreign;
    if (launcher && d.nr == SYS_execve) return listener_.Continue(id);
    if (launcher && d.nr == SYS_write && static_cast<int>(d.args[0]) == launcher_status_fd_) return listener_.Continue(id);
    return listener_.Deny(id, EPERM);
  }
  if (phase_ == Phase::kLoader && tid == child_ && !foreign && !program_checked_) {
    // The window is for the file the command inspected: a program renamed
    // over its path since then (a static one would get the window's
    // allowances) gets none; its calls are judged by the promises alone.
    // Under -v the unveil domain of the start-up is never left: killed.
    program_checked_ = true;
    if (!ProgramIsInspected()) {
      EnterRunning("changed");
      Event({SupervisorEvent::kProgramChanged});
      if (config_.keep_fd >= 0) {
        unveil_error_ = "the program's file changed after it was inspected, so unveil could not be applied";
        kill(child_, SIGKILL);
        return listener_.Deny(id, EPERM);
      }
    }
  }
  if (phase_ == Phase::kLoader && tid == child_ && !foreign) {
    if (IsMarker(d)) {
      // The marker's argument is the preload's account of its
      // landlock_restrict_self: it is only believed when it reports a
      // failure (which kills the program). Security never rests on it: the
      // launcher already put the program in the start-up domain (the -v
      // rules plus reading the loader's files), so a forged marker, or a
      // preload kept from entering the rules-only domain, leaves the
      // program in that domain.
      const uint64_t landlock = d.args[2];
      if (config_.keep_fd >= 0 && landlock != PLEDGE_LANDLOCK_OK) {
        const int err = landlock == PLEDGE_LANDLOCK_NONE ? ENOENT : static_cast<int>(landlock & 0xffffffffU);
        unveil_error_ = "the program's start-up could not enter the unveil domain: landlock_restrict_self: " + ErrnoName(err);
      } else if (config_.keep_fd >= 0 && ThreadCount(child_) > 1) {
        unveil_error_ = "the program started threads before unveil could be applied";
      }
      if (!unveil_error_.empty()) {
        kill(child_, SIGKILL);
        return listener_.Deny(id, EPERM);
      }
      EnterRunning("marker");
      Event({SupervisorEvent::kLoaderDone});
      return listener_.Continue(id);
    }
    switch (WindowDecision(config_.window, d, tid, child_)) {
      case WindowAnswer::kContinue: return listener_.Continue(id);
      case WindowAnswer::kEmulateOpen:
        if (!config_.learn) return EmulateOpen(id, d, tid, OpenRules{config_.window.paths, true, false});
        // Learn mode: an open the window would have performed needs no
        // promise; any other is recorded (the window would refuse it).
        if (WindowWouldOpen(d, tid)) return listener_.Continue(id);
        break;
      case WindowAnswer::kNotMine: break;
    }
  }
  if (config_.learn) return LearnCall(id, d, tid, foreign);

  // Everything else is for the policy in JavaScript. The child's own
  // thread needs no /proc read: its pid is held until we reap it, so the
  // thread with that tid is its leader.
  const pid_t tgid = tid == child_ ? child_ : TgidOf(tid);
  if (kills_.BeingKilled(tgid)) return listener_.Deny(id, ENOSYS);
  ForgetEnded();
  if (!execs_.empty()) {
    // A thread making a call is out of any execve it made (ExecUnderWay).
    auto e = execs_.find(tgid);
    if (e != execs_.end()) e->second.erase(std::remove(e->second.begin(), e->second.end(), tid), e->second.end());
  }
  SupervisedCall call;
  call.process = names_.Identify(tgid);
  call.comm = CommOfProcess(call.process, tgid);
  // Read while the caller waits (checked below with ID_VALID): the process
  // `tgid` names cannot end meanwhile, so this is its start time. It never
  // changes, so it is read once per process number (dropped when the
  // process ends, ForgetEnded).
  if (call.process != 0) {
    auto known = start_times_.find(call.process);
    if (known != start_times_.end()) {
      call.start_time = known->second;
    } else {
      call.start_time = StartTimeOf(tgid);
      if (call.start_time != 0) start_times_.emplace(call.process, call.start_time);
    }
  } else {
    call.start_time = StartTimeOf(tgid);
  }
  if (!foreign && d.nr >= 0 && static_cast<size_t>(d.nr) < config_.path_args.size()) {
    const int8_t a = config_.path_args[static_cast<size_t>(d.nr)];
    if (a >= 0 && a < 6) call.has_path = ReadRemoteString(tid, d.args[a], &call.path);
  }
  // What was read belongs to this call only if the call is still pending.
  if (!listener_.StillPending(id)) return;

  DescribeCall(&call, tgid, tid, d, foreign);

  // 0: let it run; > 0: fail with that errno; < 0: kill.
  // A foreign ABI is killed whatever the answer: no promise allows one.
  const SupervisorClient::Verdict verdict = client_->Decide(call);
  const double v = verdict.value;
  if (verdict.emulate_open && !foreign && IsOpenCall(d)) {
    // A path exception: the supervisor opens the file itself (the path read
    // again, checked as the kernel resolves it), so the program cannot swap
    // the path after the check.
    return EmulateOpen(id, d, tid, OpenRules{verdict.open_paths, false, true, verdict.directory_file, true});
  }
  if (verdict.emulate_open && !foreign && IsStatCall(d)) {
    // dns/getpw's metadata: the supervisor performs the stat itself over these paths.
    return EmulateStat(id, d, tgid, tid, verdict.open_paths);
  }
  if (verdict.emulate_open && !foreign) {
    // An emulation verdict for a call that has none: refused, never let through.
    violations_++;
    return listener_.Deny(id, EACCES);
  }
  if (v == 0 && !foreign) {
    if ((d.nr == SYS_execve || d.nr == SYS_execveat) && tgid == child_ && phase_ == Phase::kLoader) {
      // The program executes another before the marker: the window was for
      // this program's loader, not the next one's. It ends now. Under -v
      // the unveil domain was never entered: the program is killed.
      if (config_.keep_fd >= 0) {
        unveil_error_ = "the program executed another program before unveil could be applied";
        kill(child_, SIGKILL);
        return listener_.Deny(id, EPERM);
      }
      EnterRunning("exec");
    }
    // Only a thread other than the main one takes another id when its execve succeeds.
    if ((d.nr == SYS_execve || d.nr == SYS_execveat) && tid != tgid) execs_[tgid].push_back(tid);
    return listener_.Continue(id);
  }
  violations_++;
  if (v > 0 && !foreign) return listener_.Deny(id, static_cast<int>(v));
  Penalize(id, tgid);
}

// Whether the child's image (/proc/PID/exe, while one of its calls is
// pending: the image cannot change meanwhile) is the file the command
// inspected (SuperviseConfig::program_dev/program_ino). Without a recorded
// identity, as before: true.
bool Supervisor::ProgramIsInspected() {
  if (!config_.has_program_identity) return true;
  struct stat st;
  if (stat(("/proc/" + std::to_string(child_) + "/exe").c_str(), &st) != 0) return false;
  return static_cast<uint64_t>(st.st_dev) == config_.program_dev && static_cast<uint64_t>(st.st_ino) == config_.program_ino;
}

// Learn mode: whether the window would have performed this read-only open
// (the file is one of the loader's): opened the window's way, then closed.
bool Supervisor::WindowWouldOpen(const struct seccomp_data& d, pid_t tid) {
  const OpenCall call = OpenCallOf(d);
  std::string path;
  if (!ReadRemoteString(tid, call.path_addr, &path) || path.empty() || path.size() >= 4096) return false;
  const int fd = OpenForChild(OpenRules{config_.window.paths, true, false}, tid, call, path);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// Learn mode: nothing is enforced. The call is recorded (given to the
// client) unless one equal to it on the parts learn_keys names was
// recorded in the same process image, and let through
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE, safe here only because nothing is
// decided on it); the learn marker is answered LEARN_ACK once its record
// is read. Of the client's verdict only an errno is used (a call every
// promise set that takes it answers with an errno, which the run should
// see as the proposal will); a kill never is.
void Supervisor::LearnCall(uint64_t id, const struct seccomp_data& d, pid_t tid, bool foreign) {
  ForgetEnded();
  auto known = learn_threads_.find(tid);
  LearnThread thread;
  if (known != learn_threads_.end()) {
    thread = known->second;
  } else {
    thread.tgid = TgidOf(tid);
    thread.process = names_.Identify(thread.tgid);
    if (thread.process != 0) learn_threads_[tid] = thread;
  }
  const bool marker = !foreign && IsLearnMarker(d);
  const bool exec = !foreign && (d.nr == SYS_execve || d.nr == SYS_execveat);
  SupervisedCall call;
  const int8_t path_arg = !foreign && d.nr >= 0 && static_cast<size_t>(d.nr) < config_.path_args.size() ? config_.path_args[static_cast<size_t>(d.nr)] : -1;
  if (path_arg >= 0 && path_arg < 6) call.has_path = ReadRemoteString(tid, d.args[path_arg], &call.path);
  const uint8_t key_bits = !foreign && d.nr >= 0 && static_cast<size_t>(d.nr) < config_.learn_keys.size() ? config_.learn_keys[static_cast<size_t>(d.nr)] : 0x80;
  // A relative path means another file in another directory: recorded each time.
  const bool keyed = thread.process != 0 && !marker && !exec && (key_bits & 0x80) == 0 &&
                     !((key_bits & 0x40) && call.has_path && (call.path.empty() || call.path[0] != '/'));
  std::string key;
  if (keyed) {
    const uint32_t generation = learn_generation_[thread.process];
    key.append(reinterpret_cast<const char*>(&thread.process), sizeof thread.process);
    key.append(reinterpret_cast<const char*>(&generation), sizeof generation);
    key.append(reinterpret_cast<const char*>(&d.nr), sizeof d.nr);
    for (int i = 0; i < 6; i++) {
      if (key_bits & (1U << i)) key.append(reinterpret_cast<const char*>(&d.args[i]), sizeof d.args[i]);
    }
    if (key_bits & 0x40) key.append(call.has_path ? call.path : std::string("\0", 1));
    const auto seen = learn_seen_.find(key);
    if (seen != learn_seen_.end()) return seen->second > 0 ? listener_.Deny(id, seen->second) : listener_.Continue(id);
  }
  if (marker) {
    const uint64_t len = d.args[3];
    call.has_record = len <= LEARN_RECORD_MAX && ReadRemoteBytes(tid, d.args[2], static_cast<size_t>(len), &call.record);
  }
  call.process = thread.process;
  call.comm = CommOf(thread.tgid);
  call.start_time = StartTimeOf(thread.tgid);
  if (!listener_.StillPending(id)) return;
  DescribeCall(&call, thread.tgid, tid, d, foreign);
  const double value = client_->Decide(call).value;
  const int answer = value > 0 && value < 4096 && !foreign && !call.has_record ? static_cast<int>(value) : 0;
  if (keyed) learn_seen_.emplace(std::move(key), answer);
  // A new image (even an execve that fails: the enforcer counts it as done),
  // or a new call site: what follows is recorded anew.
  if (exec || call.has_record) learn_generation_[thread.process]++;
  if (exec && call.main && phase_ == Phase::kLoader) EnterRunning("exec");
  // An unreadable record is not acknowledged: the facade then enforces.
  if (call.has_record) return listener_.Return(id, LEARN_ACK);
  // An errno the client gives (the nscd probe: every promise set that takes
  // it answers that errno) is given; nothing is ever killed.
  if (answer > 0) return listener_.Deny(id, answer);
  listener_.Continue(id);
}

// The window's deadline passed without the marker. Under -v the unveil
// domain was never entered: the program is killed.
void Supervisor::LoaderTimeout() {
  if (config_.keep_fd >= 0) {
    unveil_error_ = "the program never signalled the end of its start-up, so unveil could not be applied";
    kill(child_, SIGKILL);
  }
  EnterRunning("timeout");
  SupervisorEvent event{SupervisorEvent::kLoaderTimeout};
  event.timeout_ms = config_.loader_timeout_ms;
  Event(event);
}

SuperviseOutcome Supervisor::Run() {
  listener_.Prepare();

  // Prepared before fork (see ChildPlan).
  std::vector<std::string> argv_strings = config_.argv, envp_strings = config_.envp;
  std::vector<char*> argv, envp;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envp_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<struct sock_filter> filter_buf(BPF_MAXINSNS);

  int cmd[2], status[2];
  if (pipe2(cmd, O_CLOEXEC) != 0) throw SuperviseError(errno, "pipe2");
  fds_.cmd_r = cmd[0];
  fds_.cmd_w = cmd[1];
  if (pipe2(status, O_CLOEXEC) != 0) throw SuperviseError(errno, "pipe2");
  fds_.status_r = status[0];
  fds_.status_w = status[1];

  std::vector<SelfRule> self_rules;
  for (const auto& r : config_.self_rules) self_rules.push_back({r.path.c_str(), r.mask});
  ChildPlan plan = {config_.file.c_str(), argv.data(), envp.data(), fds_.cmd_r, fds_.cmd_w, fds_.status_r, fds_.status_w,
                    config_.ruleset_fd, config_.keep_fd, self_rules.data(), self_rules.size(),
                    config_.inherit_fds.data(), config_.inherit_fds.size(), getpid(), filter_buf.data()};

  // The program must not ptrace this process nor open its /proc/PID/mem
  // (see DropPtraceCapability for root). Not undone: descendants of the
  // program may outlive the supervision.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw SuperviseError(errno, "prctl(PR_SET_DUMPABLE)");

  InstallForwarding(&signals_);
  child_ = fork();
  if (child_ < 0) {
    const int err = errno;
    RestoreSignals(signals_);
    throw SuperviseError(err, "fork");
  }
  if (child_ == 0) ChildMain(plan);
  ForwardTo(child_);
  kills_.SetChild(child_);
  fds_.Close(&fds_.cmd_r);
  launcher_status_fd_ = fds_.status_w;  // the launcher writes a failed execve's errno there
  fds_.Close(&fds_.status_w);

  const long pidfd = syscall(SYS_pidfd_open, child_, 0);
  if (pidfd < 0) Fail(errno, "pidfd_open");
  fds_.pidfd = static_cast<int>(pidfd);

  // The filter, for this child (its pid is in the "signals to itself" rules).
  std::vector<uint8_t> program;
  try {
    program = client_->Filter(child_);
  } catch (...) {
    KillAndReap();
    throw;
  }
  const size_t size = program.size();
  if (size == 0 || size % sizeof(struct sock_filter) != 0 || size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    Fail(EINVAL, "supervise: the filter (not 1 to BPF_MAXINSNS instructions)");
  }
  std::vector<uint8_t> message(4 + size);
  const uint32_t len = static_cast<uint32_t>(size / sizeof(struct sock_filter));
  std::memcpy(message.data(), &len, 4);
  std::memcpy(message.data() + 4, program.data(), size);
  for (size_t off = 0; off < message.size();) {
    const ssize_t n = write(fds_.cmd_w, message.data() + off, message.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail(errno, "write (filter to the launcher)");
    off += static_cast<size_t>(n);
  }
  fds_.Close(&fds_.cmd_w);

  LaunchMsg msg;
  if (!ReadMsg(&msg, 10000)) Fail(ECHILD, "launcher (ended or timed out before installing its filter)");
  if (msg.tag == 'E') SetupFailed(msg);
  if (msg.tag != 'L') Fail(EPROTO, "launcher protocol");
  FetchListener(msg.value);
  fcntl(fds_.status_r, F_SETFL, O_NONBLOCK);

  try {
    for (;;) {
      int timeout = 1000;
      if (phase_ == Phase::kLoader) {
        const double left = loader_deadline_ - MonotonicMs();
        if (left <= 0) {
          LoaderTimeout();
          continue;
        }
        timeout = std::min(timeout, static_cast<int>(left) + 1);
      }
      struct pollfd p[3] = {{listener_.fd(), POLLIN, 0}, {fds_.pidfd, POLLIN, 0}, {fds_.status_r, POLLIN, 0}};
      const int n = poll(p, 3, timeout);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail(errno, "poll");
      if (!kills_.Empty()) kills_.Forget();
      if (p[2].revents) DrainStatus();
      if (p[0].revents & POLLIN) {
        HandleNotification();
        continue;
      }
      if (p[1].revents & POLLIN) break;  // the child has ended
      if (p[0].revents & (POLLHUP | POLLERR)) {
        // No task uses the filter any more: the child is ending.
        struct pollfd w = {fds_.pidfd, POLLIN, 0};
        while (poll(&w, 1, -1) < 0 && errno == EINTR) {}
        break;
      }
    }
  } catch (...) {
    KillAndReap();
    throw;
  }
  while (waitpid(child_, &wait_status_, 0) < 0) {
    if (errno != EINTR) Fail(errno, "waitpid");
  }
  reaped_ = true;
  if (fds_.status_r >= 0) DrainStatus();
  RestoreSignals(signals_);

  SuperviseOutcome out;
  out.pid = child_;
  out.wait_status = wait_status_;
  out.exec_errno = exec_errno_;
  // A violation kill only when the child died of the penalty: the SIGKILL
  // we sent (or a SIGSYS, should the kernel's own filter have killed it).
  out.violation_kill = child_penalized_ && WIFSIGNALED(wait_status_) &&
                       (WTERMSIG(wait_status_) == SIGSYS || (WTERMSIG(wait_status_) == SIGKILL && kills_.ChildSigkilled()));
  out.violations = violations_;
  out.loader_end = loader_end_;
  out.unveil_error = unveil_error_;
  return out;
}

}  // namespace

SuperviseOutcome Supervise(const SuperviseConfig& config, SupervisorClient* client) {
  Supervisor s(config, client);
  return s.Run();
}

}  // namespace seccomp_scopes
