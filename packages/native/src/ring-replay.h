// The io_uring replay: rings that existed before pledge() keep working for
// libuv's epoll_ctl batches without the kernel ever running a submission
// (ring-replay.cc has the design).
#ifndef SECCOMP_SCOPES_RING_REPLAY_H_
#define SECCOMP_SCOPES_RING_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace seccomp_scopes {

// What pledge() looks for before its first filter, read from /proc/self (ScanRings).
struct ScannedFd {
  int fd = -1;
  bool ring = false;          // anon_inode:[io_uring]; else anon_inode:[eventfd]
  bool fdinfo_read = false;   // a ring's /proc/self/fdinfo/N was read into fdinfo
  std::string fdinfo;
  double ino = 0;             // fstat's st_ino (a ring's fdinfo shows the same as `ino:`)
};
struct ScannedTask {
  int tid = 0;
  std::string name;  // its comm, iou-sqp-*
};
struct RingScanResult {
  std::vector<ScannedFd> fds;      // in the order getdents64 gave them
  std::vector<ScannedTask> tasks;
  std::vector<int> tids;           // every thread listed
};

// Reads /proc/self/fd (readlink of each; the fdinfo of io_uring descriptors) and the comm of each thread in
// /proc/self/task, keeping the io_uring and eventfd descriptors and the threads named iou-sqp-* (a ring's
// submission-polling kernel thread). A descriptor closed or a thread ended meanwhile is left out. Returns 0, or the
// errno of opening or reading either directory with *what naming the call. Source: proc(5), io_uring(7).
int ScanRings(RingScanResult* out, const char** what);
// ScanRings for a look again: no ring's fdinfo is read (a ring is known by its inode), and only the threads the last
// ScanRings did not find plain have their comm read (a thread that was not a submission-polling thread does not
// become one).
int ScanRingsAgain(RingScanResult* out, const char** what);

// The scan made ahead, on a thread of its own, while the caller goes on (a fresh process' first pledge() has
// JavaScript to run meanwhile; the scan's cost is mostly the kernel instantiating /proc/self's entries); the thread
// then probes the layout of each ring size found, as ringAdopt would (kept for it).
// ScanRingsAhead starts one unless a filter binds the process (a filter may refuse the thread or the reads; the
// scan is then made when asked) or one is pending; TakeScan waits for the pending scan and hands it over (false:
// none pending, scan now); DropScan waits for it and forgets it, so that no later caller takes a stale scan.
// Thread-safe.
void ScanRingsAhead();
bool TakeScan(RingScanResult* out, int* err, const char** what);
void DropScan();
// TakeScan's result, else ScanRings now.
int ScanRingsNowOrAhead(RingScanResult* out, const char** what);

// A ring a plan adopted: its descriptor and, when known, its inode (fdinfo's ino).
struct ExpectedRing {
  int fd = -1;
  bool has_ino = false;
  double ino = 0;
};
// Whether a scan made now (ScanRings) shows exactly what a plan was made from: these rings (same descriptors, the
// same inode where one is given, none with a submission-polling thread or an fdinfo that does not read plainly),
// these eventfds, and no thread named iou-sqp-*. False with *why saying what differs (or that /proc could not be
// read). pledge()'s last look before its filter: a ring or eventfd made, closed or replaced by another thread since
// the plan's scan would otherwise be missed.
bool ScanStillShows(const std::vector<ExpectedRing>& rings, std::vector<int> eventfds, std::string* why);

// The fields of a ring's fdinfo pledge() reads, when each has the form the kernel prints (RingFdinfoFields).
struct RingFields {
  double sq_mask = 0, cq_mask = 0, sq_thread = 0, ino = 0;
  bool has_ino = false;
};
// True and *out filled when SqMask and CqMask (0x and lowercase hex, or decimal) and SqThread (decimal, optional
// '-') have that form and ino is absent or decimal (at most 13 digits each, so each is what JavaScript's Number()
// gives for the text); false otherwise (io-uring.ts then parses the text itself).
bool ParseRingFields(const std::string& fdinfo, RingFields* out);

// Called by the SIGSYS handler for a trapped io_uring_enter(2) with its six
// arguments. Returns true and stores the call's result (a count, or -errno)
// in *result when the call concerned an adopted ring; false when the
// descriptor is not one (the handler then treats it as any trapped call).
// Async-signal-safe.
bool ReplayRingEnter(const uint64_t args[6], long* result);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_RING_REPLAY_H_
