// What the kernel tells about a process or thread through /proc, and the
// strings a traced task's memory holds (process_vm_readv): the one home of
// the addon's /proc readers. Plain C++, no N-API; none of these is
// async-signal-safe (they allocate).
//
// Sources: proc(5) (status, stat, comm, task/<tid>/children, fd/),
// process_vm_readv(2), getdents64(2).
#ifndef SECCOMP_SCOPES_LINUX_PROC_H_
#define SECCOMP_SCOPES_LINUX_PROC_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace seccomp_scopes {

// ---------------------------------------------------------------- files

// A small /proc file, whole, opened relative to `dirfd` (AT_FDCWD for an
// absolute path). False when it cannot be opened or a read fails.
bool ReadProcFileAt(int dirfd, const std::string& path, std::string* out);

// A small /proc file, whole; "" when it cannot be opened (what was read
// before a failed read is kept).
std::string ReadProc(const std::string& path);

// The target of a symbolic link (/proc/<tid>/fd/<n>), or "" when it cannot
// be read or is 4096 bytes or longer.
std::string ReadLink(const std::string& path);

// ---------------------------------------------------------------- status

// The value of `Field:` in the text of a /proc status file (blanks after the
// colon skipped, up to the end of the line), or "".
std::string StatusField(const std::string& status, const char* field);

// A signal mask field of a status file (SigBlk, SigIgn, SigCgt: 16 hex
// digits). False when the field is missing.
bool StatusMask(const std::string& status, const char* field, uint64_t* mask);

// Whether signal `sig` is in a /proc signal mask (bit sig - 1).
inline bool SignalInMask(uint64_t mask, int sig) { return (mask >> (sig - 1)) & 1U; }

// SigBlk of thread `tid`, from <tid>/status beneath an open /proc/<pid>/task
// directory. False when it cannot be read (the thread exited, or this
// thread may no longer open it: Landlock).
bool ReadTaskSigBlk(int task_dir_fd, int tid, uint64_t* mask);

// The thread group of thread `tid` (its Tgid), or `tid` when unknown.
pid_t TgidOf(pid_t tid);

// The number of threads of process `pid`, or -1 when unknown.
int ThreadCount(pid_t pid);

// Whether signal `sig` sent to thread `tid` ends process `tgid`: neither
// ignored nor caught by the process, nor blocked by that thread. A mask that
// cannot be read counts as holding the signal (so: not fatal).
bool SignalIsFatal(pid_t tgid, pid_t tid, int sig);

// ---------------------------------------------------------------- identity

// The start time of process `pid` (/proc/<pid>/stat field 22, clock ticks
// since boot), or 0 when it cannot be read. With the pid it names one
// process for good: a pid is reused only by a process started later.
uint64_t StartTimeOf(pid_t pid);

// The process name (/proc/<pid>/comm without its newline), or "".
std::string CommOf(pid_t pid);

// Whether single-threaded process `pid` has child processes
// (/proc/PID/task/PID/children, CONFIG_PROC_CHILDREN). Unknown counts as yes.
bool HasChildProcesses(pid_t pid);

// ---------------------------------------------------------------- threads

// The thread ids in /proc/<pid>/task, read afresh from an already-open
// directory (so it keeps working after this thread is restricted: Landlock
// checks directory access when a directory is opened, not when it is read).
// Returns 0 or an errno.
int ScanTasks(int task_dir_fd, std::vector<int>* out);

// ---------------------------------------------------------------- memory

// Reads a NUL-terminated string at `addr` in task `tid`, page by page, up
// to 4096 bytes. False when nothing could be read (a bad pointer).
bool ReadRemoteString(pid_t tid, uint64_t addr, std::string* out);

// Reads the path at `addr` in task `tid` as the kernel's getname() does
// for a call the supervisor performs itself: 0 with the string when its
// NUL lies within 4096 bytes, EFAULT when a byte before the NUL cannot be
// read (a bad pointer, or a string running into an unmapped page), and
// ENAMETOOLONG when there is no NUL within 4096 bytes (PATH_MAX).
int ReadRemotePath(pid_t tid, uint64_t addr, std::string* out);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_PROC_H_
