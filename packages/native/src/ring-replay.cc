// io_uring rings that existed before pledge(), replayed in user space.
//
// libuv >= 1.49 (Node 22 and later) creates an io_uring instance without
// SQPOLL in every event loop (the main loop, each Worker's, the platform's
// delayed-task loop, the tracing agent's) and batches its epoll_ctl(2) calls
// through it: it writes IORING_OP_EPOLL_CTL entries into the submission
// queue, calls io_uring_enter(fd, n, n, IORING_ENTER_GETEVENTS) and aborts
// the process if that call fails (src/unix/linux.c uv__epoll_ctl_flush).
// Operations submitted through a ring run in the kernel without passing
// seccomp, so a pledged process must never reach io_uring_enter; yet the
// rings cannot be closed from here (each belongs to a loop on another thread).
//
// So pledge() adopts every ring it finds (ringAdopt): it maps the ring's
// shared memory a second time, into memory only this file reads, and checks
// its layout against what the kernel reports for a probe ring of the same
// size. Its filter then traps io_uring_enter on exactly those descriptors
// (SECCOMP_RET_TRAP: the kernel never runs the call) and the SIGSYS handler
// calls ReplayRingEnter, which does in user space what the kernel would:
// for each pending submission entry, if EVERY entry is a plain
// IORING_OP_EPOLL_CTL, it makes the same epoll_ctl(2) call (an ordinary
// syscall, judged by every installed filter like any other), writes one
// completion with the result and the entry's user_data, and advances the
// queue heads. Any other operation, flag or entry layout makes the whole call
// fail with ENOSYS and consumes nothing: no operation submitted through a ring
// after pledge() ever runs in the kernel. Sources: io_uring_enter(2),
// io_uring_setup(2), include/uapi/linux/io_uring.h, io_uring/epoll.c.
//
// Limits (docs/node-runtime.md): rings with SQPOLL are refused before this
// point (their kernel thread reads the queue without any syscall); rings with
// 128-byte entries are refused here; a ring with 32-byte completions cannot
// be told apart from its mapping and would get 16-byte completions (no Node
// ring is one; only its own owner would be confused).

#include <napi.h>

#include "adapters.h"
#include "linux/fd.h"           // Fd
#include "linux/kernel-structs.h"  // LinuxDirent64
#include "linux/proc.h"         // ReadProcFileAt, ScanTasks
#include "linux/raw-syscall.h"  // RawSyscall
#include "napi-errors.h"        // ThrowErrno, ThrowInvalid
#include "ring-replay.h"

#include <linux/io_uring.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <signal.h>
#include <sys/prctl.h>
#include <string>
#include <vector>

namespace {

using seccomp_scopes::RawSyscall;
using seccomp_scopes::ThrowErrno;
using seccomp_scopes::ThrowInvalid;

// Entries replayed per call at most: libuv's ring has 256 (uv__platform_loop_init).
constexpr uint32_t kMaxBatch = 256;
constexpr size_t kSqeBytes = sizeof(struct io_uring_sqe);  // 64 without IORING_SETUP_SQE128
constexpr size_t kCqeBytes = sizeof(struct io_uring_cqe);  // 16 without IORING_SETUP_CQE32

struct Ring {
  int fd = -1;
  uint32_t* sq_head = nullptr;
  uint32_t* sq_tail = nullptr;
  uint32_t sq_mask = 0;
  uint32_t* sq_array = nullptr;  // where an SQ array would be, when it lies inside our mapping
  uint32_t* cq_head = nullptr;
  uint32_t* cq_tail = nullptr;
  uint32_t cq_mask = 0;
  uint32_t cq_entries = 0;
  struct io_uring_cqe* cqes = nullptr;
  const uint8_t* sqes = nullptr;
};

// The adopted rings, published whole; a set is never freed (a handler on
// another thread may be reading it), a later adoption publishes a larger copy.
struct RingSet {
  std::vector<Ring> rings;
};
std::atomic<const RingSet*> g_rings{nullptr};
std::atomic<unsigned long> g_calls{0};
std::atomic<unsigned long> g_entries{0};
std::atomic<unsigned long> g_refused{0};

uint32_t LoadAcquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void StoreRelease(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

struct Entry {
  int32_t epfd;
  int32_t op;
  int32_t fd;
  uint64_t addr;
  uint64_t user_data;
};

long Refuse() {
  g_refused.fetch_add(1, std::memory_order_relaxed);
  return -ENOSYS;
}

long Replay(const Ring& r, uint32_t to_submit, uint32_t min_complete, uint32_t flags) {
  if ((flags & ~static_cast<uint32_t>(IORING_ENTER_GETEVENTS)) != 0 || min_complete > to_submit) return Refuse();
  const uint32_t head = LoadAcquire(r.sq_head);
  const uint32_t tail = LoadAcquire(r.sq_tail);
  const uint32_t pending = tail - head;
  const uint32_t n = to_submit < pending ? to_submit : pending;
  if (n > kMaxBatch) return Refuse();
  // Copy and check every entry first: all are replayed, or none.
  Entry batch[kMaxBatch];
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t slot = (head + i) & r.sq_mask;
    if (r.sq_array != nullptr) {
      // libuv fills an SQ array with the identity (or uses IORING_SETUP_NO_SQARRAY,
      // where this memory stays zero); any other mapping is not replayed.
      const uint32_t mapped = __atomic_load_n(&r.sq_array[slot], __ATOMIC_RELAXED);
      if (mapped != slot && mapped != 0) return Refuse();
    }
    struct io_uring_sqe sqe;
    std::memcpy(&sqe, r.sqes + static_cast<size_t>(slot) * kSqeBytes, sizeof sqe);
    if (sqe.opcode != IORING_OP_EPOLL_CTL || sqe.flags != 0 || sqe.ioprio != 0 || sqe.buf_index != 0 ||
        sqe.personality != 0 || sqe.splice_fd_in != 0) {
      return Refuse();
    }
    batch[i] = Entry{sqe.fd, static_cast<int32_t>(sqe.len), static_cast<int32_t>(sqe.off), sqe.addr, sqe.user_data};
  }
  const uint32_t cq_head = LoadAcquire(r.cq_head);
  const uint32_t cq_tail = LoadAcquire(r.cq_tail);
  if (cq_tail - cq_head > r.cq_entries || r.cq_entries - (cq_tail - cq_head) < n) return -EBUSY;  // no room: the kernel says EBUSY too
  for (uint32_t i = 0; i < n; i++) {
    const Entry& e = batch[i];
    const long res = RawSyscall(SYS_epoll_ctl, e.epfd, e.op, e.fd, static_cast<long>(e.addr));
    struct io_uring_cqe* cqe = &r.cqes[(cq_tail + i) & r.cq_mask];
    cqe->user_data = e.user_data;
    cqe->res = static_cast<int32_t>(res);
    cqe->flags = 0;
  }
  StoreRelease(r.cq_tail, cq_tail + n);
  StoreRelease(r.sq_head, head + n);
  g_calls.fetch_add(1, std::memory_order_relaxed);
  g_entries.fetch_add(n, std::memory_order_relaxed);
  return static_cast<long>(n);
}

// ------------------------------------------------------------------ adoption

[[noreturn]] void ThrowUnsupported(Napi::Env env, int fd, const std::string& why) {
  Napi::Error e = Napi::Error::New(env, "io_uring instance fd " + std::to_string(fd) + ": " + why);
  e.Set("code", Napi::String::New(env, "ENOTSUP"));
  e.Set("fd", Napi::Number::New(env, fd));
  throw e;
}

size_t PageRound(size_t n) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

// What the kernel answers io_uring_setup(sq_entries, { IORING_SETUP_CQSIZE, cq_entries }) with: the offsets of a
// ring of that size, from a probe ring created and closed here, once per size in a process (the answer depends only on
// the running kernel and these arguments; Node's rings all have one size: one probe, where each ring took one).
// 0 and *out, or the errno of io_uring_setup. Thread-safe (the scan made ahead probes the sizes it found).
int ProbeLayoutOf(uint32_t sq_entries, uint32_t cq_entries, struct io_uring_params* out) {
  static std::mutex lock;
  static std::vector<struct io_uring_params> seen;
  std::lock_guard<std::mutex> guard(lock);
  for (const auto& s : seen) {
    if (s.sq_entries == sq_entries && s.cq_entries == cq_entries) {
      *out = s;
      return 0;
    }
  }
  struct io_uring_params p;
  std::memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = cq_entries;
  const long probe = syscall(SYS_io_uring_setup, sq_entries, &p);
  if (probe < 0) return errno;
  close(static_cast<int>(probe));
  // Kept only when the kernel gave the size asked for (any other answer is refused by the caller, every time).
  if (p.sq_entries == sq_entries && p.cq_entries == cq_entries) seen.push_back(p);
  *out = p;
  return 0;
}

struct io_uring_params ProbeLayout(Napi::Env env, uint32_t sq_entries, uint32_t cq_entries) {
  struct io_uring_params p;
  if (const int err = ProbeLayoutOf(sq_entries, cq_entries, &p)) ThrowErrno(env, err, "io_uring_setup (probe ring for the layout)");
  return p;
}

// Maps ring `fd` (sq_entries/cq_entries as /proc/self/fdinfo reports them)
// and checks its layout. The offsets come from the kernel itself: a probe ring
// of the same size, created and closed here.
Ring Adopt(Napi::Env env, int fd, uint32_t sq_entries, uint32_t cq_entries) {
  if (sq_entries == 0 || (sq_entries & (sq_entries - 1)) != 0 || cq_entries == 0 || (cq_entries & (cq_entries - 1)) != 0) {
    ThrowInvalid<Napi::RangeError>(env, "ringAdopt: fd " + std::to_string(fd) + ": entries must be powers of two");
  }
  struct io_uring_params p = ProbeLayout(env, sq_entries, cq_entries);
  if (p.sq_entries != sq_entries || p.cq_entries != cq_entries || (p.features & IORING_FEAT_SINGLE_MMAP) == 0) {
    ThrowUnsupported(env, fd, "the kernel sizes a ring of " + std::to_string(sq_entries) + "/" + std::to_string(cq_entries) +
                                  " entries differently from this one, or maps it in two parts; it cannot be replayed");
  }
  // The rings region: the header, the completion array and (without
  // IORING_SETUP_NO_SQARRAY) the SQ array after it. Map only what every
  // layout has, so no access can fall past the region.
  const size_t cq_end = p.cq_off.cqes + static_cast<size_t>(cq_entries) * kCqeBytes;
  const size_t sq_len = PageRound(cq_end);
  void* sq = mmap(nullptr, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) ThrowErrno(env, errno, "mmap(io_uring IORING_OFF_SQ_RING)");
  // The kernel refuses to map fewer bytes than the entry array holds: a ring
  // with 128-byte entries (IORING_SETUP_SQE128) fails here.
  const size_t sqes_len = PageRound(static_cast<size_t>(sq_entries) * kSqeBytes);
  void* sqes = mmap(nullptr, sqes_len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) {
    const int err = errno;
    munmap(sq, sq_len);
    if (err == EINVAL) ThrowUnsupported(env, fd, "its submission entries are not 64 bytes (IORING_SETUP_SQE128); only rings laid out as libuv's can be replayed");
    ThrowErrno(env, err, "mmap(io_uring IORING_OFF_SQES)");
  }
  auto* base = static_cast<uint8_t*>(sq);
  auto word = [&](uint32_t off) { return reinterpret_cast<uint32_t*>(base + off); };
  Ring r;
  r.fd = fd;
  r.sq_head = word(p.sq_off.head);
  r.sq_tail = word(p.sq_off.tail);
  r.sq_mask = *word(p.sq_off.ring_mask);
  r.cq_head = word(p.cq_off.head);
  r.cq_tail = word(p.cq_off.tail);
  r.cq_mask = *word(p.cq_off.ring_mask);
  r.cq_entries = *word(p.cq_off.ring_entries);
  r.cqes = reinterpret_cast<struct io_uring_cqe*>(base + p.cq_off.cqes);
  r.sqes = static_cast<const uint8_t*>(sqes);
  if (r.sq_mask != sq_entries - 1 || *word(p.sq_off.ring_entries) != sq_entries || r.cq_mask != cq_entries - 1 || r.cq_entries != cq_entries) {
    munmap(sq, sq_len);
    munmap(sqes, sqes_len);
    ThrowUnsupported(env, fd, "its shared memory does not hold the sizes /proc/self/fdinfo reports; it cannot be replayed");
  }
  if (p.sq_off.array + static_cast<size_t>(sq_entries) * 4 <= sq_len) r.sq_array = word(p.sq_off.array);
  return r;
}

// ringAdopt([{ fd, sqEntries, cqEntries }]): [{ fd, sqArray }]
Napi::Value RingAdoptJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) ThrowInvalid<Napi::TypeError>(env, "ringAdopt: expects an array of { fd, sqEntries, cqEntries }");
  Napi::Array list = info[0].As<Napi::Array>();
  const RingSet* current = g_rings.load(std::memory_order_acquire);
  auto* next = new RingSet();
  if (current) next->rings = current->rings;
  Napi::Array out = Napi::Array::New(env);
  try {
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value v = list.Get(i);
      if (!v.IsObject()) ThrowInvalid<Napi::TypeError>(env, "ringAdopt: each ring must be an object");
      Napi::Object o = v.As<Napi::Object>();
      auto num = [&](const char* key) {
        Napi::Value x = o.Get(key);
        if (!x.IsNumber()) ThrowInvalid<Napi::TypeError>(env, std::string("ringAdopt: ") + key + " must be a number");
        const double d = x.As<Napi::Number>().DoubleValue();
        if (!(d >= 0 && d <= 0x7fffffff) || d != static_cast<double>(static_cast<int64_t>(d))) {
          ThrowInvalid<Napi::RangeError>(env, std::string("ringAdopt: ") + key + " must be a non-negative integer");
        }
        return static_cast<uint32_t>(d);
      };
      const int fd = static_cast<int>(num("fd"));
      bool known = false;
      for (const Ring& r : next->rings) known = known || r.fd == fd;
      if (!known) next->rings.push_back(Adopt(env, fd, num("sqEntries"), num("cqEntries")));
      Napi::Object d = Napi::Object::New(env);
      d.Set("fd", Napi::Number::New(env, fd));
      for (const Ring& r : next->rings) {
        if (r.fd == fd) d.Set("sqArray", Napi::Boolean::New(env, r.sq_array != nullptr));
      }
      out.Set(i, d);
    }
  } catch (...) {
    delete next;  // nothing published: the mappings made so far stay (harmless), the set does not change
    throw;
  }
  g_rings.store(next, std::memory_order_release);
  return out;
}

// ringState(): { rings: [fd...], calls, entries, refused }
Napi::Value RingStateJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array fds = Napi::Array::New(env);
  if (const RingSet* set = g_rings.load(std::memory_order_acquire)) {
    for (uint32_t i = 0; i < set->rings.size(); i++) fds.Set(i, Napi::Number::New(env, set->rings[i].fd));
  }
  o.Set("rings", fds);
  o.Set("calls", Napi::Number::New(env, static_cast<double>(g_calls.load())));
  o.Set("entries", Napi::Number::New(env, static_cast<double>(g_entries.load())));
  o.Set("refused", Napi::Number::New(env, static_cast<double>(g_refused.load())));
  return o;
}

// ringScan(): { fds, tasks } — what pledge() looks for before its first filter, read here in one pass (some 40
// syscalls, where the same walk in JavaScript costs 0.5-1 ms in a fresh process): the descriptors of
// /proc/self/fd whose link is an io_uring instance (with the text of its /proc/self/fdinfo entry, or null when that
// cannot be read) or an eventfd, and the threads of /proc/self/task named iou-sqp-* (a ring's submission-polling
// kernel thread). A descriptor closed or a thread ended meanwhile is left out. Throws the errno of opening either
// directory. Source: proc(5) (fd/, fdinfo/, task/<tid>/comm), io_uring(7).
// The value of the first `name:` line of fdinfo text as io-uring.ts parseRingFdinfo takes it (blanks skipped, up to a
// blank or the line's end). kAbsent: no such line, or an empty value (parseRingFdinfo's undefined); kNumber: a value
// of the form the kernel prints (`0x` and lowercase hexadecimal digits when `hex`, else decimal digits, after a `-`
// when `negative`; at most 13 digits, below 2^53), in *out exactly what JavaScript's Number() gives for it; kOther:
// anything else, left to JavaScript.
enum FdinfoValue { kAbsent, kNumber, kOther };
FdinfoValue FdinfoNumber(const std::string& text, const char* name, bool hex, bool negative, double* out) {
  const std::string key = std::string(name) + ":";
  size_t start;
  if (text.compare(0, key.size(), key) == 0) {
    start = key.size();
  } else {
    const size_t line = text.find("\n" + key);
    if (line == std::string::npos) return kAbsent;
    start = line + 1 + key.size();
  }
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) start++;
  size_t end = start;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n') end++;
  if (end == start) return kAbsent;
  size_t at = start;
  const bool minus = negative && text[at] == '-';
  if (minus) at++;
  int base = 10;
  if (hex && end - at > 2 && text[at] == '0' && text[at + 1] == 'x') {
    base = 16;
    at += 2;
  }
  if (at == end || end - at > 13) return kOther;
  double n = 0;
  for (size_t k = at; k < end; k++) {
    const char c = text[k];
    const int d = c >= '0' && c <= '9' ? c - '0' : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return kOther;
    n = n * base + d;
  }
  *out = minus ? -n : n;
  return kNumber;
}

Napi::Value RingScanJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  seccomp_scopes::RingScanResult scan;
  const char* what = "";
  if (const int err = seccomp_scopes::ScanRingsNowOrAhead(&scan, &what)) ThrowErrno(env, err, what);
  return seccomp_scopes::RingScanToJs(env, scan);
}

// ringScanAhead(): starts the scan ringScan() and firstCallLookup() then take (ScanRingsAhead). ringScanDrop(): waits
// for a pending scan and forgets it.
void RingScanAheadJs(const Napi::CallbackInfo&) { seccomp_scopes::ScanRingsAhead(); }

void RingScanDropJs(const Napi::CallbackInfo&) { seccomp_scopes::DropScan(); }

}  // namespace

namespace seccomp_scopes {

bool ParseRingFields(const std::string& fdinfo, RingFields* out) {
  const FdinfoValue ino = FdinfoNumber(fdinfo, "ino", false, false, &out->ino);
  if (FdinfoNumber(fdinfo, "SqMask", true, false, &out->sq_mask) != kNumber || FdinfoNumber(fdinfo, "CqMask", true, false, &out->cq_mask) != kNumber ||
      FdinfoNumber(fdinfo, "SqThread", false, true, &out->sq_thread) != kNumber || ino == kOther) {
    return false;
  }
  out->has_ino = ino == kNumber;
  return true;
}

// RingScanResult as ringScan() returns it (ring.ts RingScan).
Napi::Value RingScanToJs(Napi::Env env, const RingScanResult& scan) {
  Napi::Array fds = Napi::Array::New(env);
  for (const auto& f : scan.fds) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("fd", Napi::Number::New(env, f.fd));
    entry.Set("target", Napi::String::New(env, f.ring ? "anon_inode:[io_uring]" : "anon_inode:[eventfd]"));
    if (f.ring) {
      entry.Set("fdinfo", f.fdinfo_read ? Napi::Value(Napi::String::New(env, f.fdinfo)) : env.Null());
      RingFields fields;
      if (f.fdinfo_read && ParseRingFields(f.fdinfo, &fields)) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("sqMask", Napi::Number::New(env, fields.sq_mask));
        o.Set("cqMask", Napi::Number::New(env, fields.cq_mask));
        o.Set("sqThread", Napi::Number::New(env, fields.sq_thread));
        if (fields.has_ino) o.Set("ino", Napi::Number::New(env, fields.ino));
        entry.Set("fields", o);
      }
    }
    fds.Set(fds.Length(), entry);
  }
  Napi::Array tasks = Napi::Array::New(env);
  for (const auto& t : scan.tasks) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("tid", Napi::Number::New(env, t.tid));
    entry.Set("name", Napi::String::New(env, t.name));
    tasks.Set(tasks.Length(), entry);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fds", fds);
  out.Set("tasks", tasks);
  return out;
}

namespace {

struct Ahead {
  std::thread thread;
  RingScanResult scan;
  int err = 0;
  const char* what = "";
};
std::mutex g_ahead_mutex;
Ahead* g_ahead = nullptr;  // the pending scan, owned here

// Waits for the pending scan and takes it out (nullptr: none). Called with g_ahead_mutex held.
Ahead* JoinAhead() {
  Ahead* a = g_ahead;
  g_ahead = nullptr;
  if (a != nullptr && a->thread.joinable()) a->thread.join();
  return a;
}

}  // namespace

void ScanRingsAhead() {
  std::lock_guard<std::mutex> guard(g_ahead_mutex);
  if (g_ahead != nullptr || prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0) return;
  auto* a = new Ahead();
  // The thread starts with every signal blocked: the process' signals keep going to the threads that expect them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    a->thread = std::thread([a] {
      a->err = ScanRings(&a->scan, &a->what);
      // The layouts ringAdopt will need for the rings found, probed now too (the same probe it makes; a failure is
      // left for it to report).
      for (const ScannedFd& f : a->scan.fds) {
        RingFields fields;
        struct io_uring_params p;
        if (f.ring && f.fdinfo_read && ParseRingFields(f.fdinfo, &fields) && fields.sq_thread == -1 && fields.sq_mask < 65536 && fields.cq_mask < 131072) {
          ProbeLayoutOf(static_cast<uint32_t>(fields.sq_mask) + 1, static_cast<uint32_t>(fields.cq_mask) + 1, &p);
        }
      }
    });
  } catch (const std::system_error&) {
    delete a;
    a = nullptr;  // no thread: the scan is made when asked
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  g_ahead = a;
}

bool TakeScan(RingScanResult* out, int* err, const char** what) {
  std::lock_guard<std::mutex> guard(g_ahead_mutex);
  Ahead* a = JoinAhead();
  if (a == nullptr) return false;
  *out = std::move(a->scan);
  *err = a->err;
  *what = a->what;
  delete a;
  return true;
}

void DropScan() {
  std::lock_guard<std::mutex> guard(g_ahead_mutex);
  delete JoinAhead();
}


bool ScanStillShows(const std::vector<ExpectedRing>& rings, std::vector<int> eventfds, std::string* why) {
  RingScanResult scan;
  const char* what = "";
  if (const int err = ScanRingsAgain(&scan, &what)) {
    *why = std::string(what) + " failed: " + std::strerror(err);
    return false;
  }
  if (!scan.tasks.empty()) {
    *why = "a submission-polling thread " + scan.tasks[0].name + " (tid " + std::to_string(scan.tasks[0].tid) + ")";
    return false;
  }
  std::vector<int> now_eventfds;
  size_t rings_now = 0;
  for (const ScannedFd& f : scan.fds) {
    if (!f.ring) {
      now_eventfds.push_back(f.fd);
      continue;
    }
    rings_now++;
    // A ring the plan adopted is the same file (its inode); a ring's flags (SQPOLL) are fixed when it is made.
    bool known = false;
    for (const ExpectedRing& r : rings) {
      if (r.fd == f.fd) known = !r.has_ino || r.ino == f.ino;
    }
    if (!known) {
      *why = "io_uring instance fd " + std::to_string(f.fd) + " is not one the plan adopted";
      return false;
    }
  }
  if (rings_now != rings.size()) {
    *why = "an io_uring instance the plan adopted is gone";
    return false;
  }
  std::sort(now_eventfds.begin(), now_eventfds.end());
  std::sort(eventfds.begin(), eventfds.end());
  if (now_eventfds != eventfds) {
    *why = "the eventfds are not those the plan was made with";
    return false;
  }
  return true;
}

int ScanRingsNowOrAhead(RingScanResult* out, const char** what) {
  int err = 0;
  if (TakeScan(out, &err, what)) return err;
  return ScanRings(out, what);
}

namespace {

// The threads the last full scan found not to be submission-polling threads (their comm read): a thread does not
// become one, so a look again reads the comm of the others only. Each full scan starts the list anew: a thread id
// kept longer could be reused (pid_max wraps) by a new thread, one of a ring's.
std::mutex g_plain_mutex;
std::vector<int> g_plain_tids;

bool KnownPlain(int tid) {
  std::lock_guard<std::mutex> guard(g_plain_mutex);
  return std::find(g_plain_tids.begin(), g_plain_tids.end(), tid) != g_plain_tids.end();
}

void ForgetPlain() {
  std::lock_guard<std::mutex> guard(g_plain_mutex);
  g_plain_tids.clear();
}

void AddPlain(int tid) {
  std::lock_guard<std::mutex> guard(g_plain_mutex);
  if (std::find(g_plain_tids.begin(), g_plain_tids.end(), tid) == g_plain_tids.end()) g_plain_tids.push_back(tid);
}

// ScanRings and ScanRingsAgain: `again` reads no fdinfo, and the comm only of threads no scan found plain.
int Scan(RingScanResult* out, const char** what, bool again) {
  if (!again) ForgetPlain();
  const int fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_dir < 0) {
    *what = "open(/proc/self/fd)";
    return errno;
  }
  {
    Fd guard(fd_dir);
    alignas(8) char buf[8192];
    for (;;) {
      const long n = syscall(SYS_getdents64, fd_dir, buf, sizeof buf);
      if (n < 0) {
        *what = "getdents64(/proc/self/fd)";
        return errno;
      }
      if (n == 0) break;
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
        off += d->d_reclen;
        if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
        // A ring or an eventfd is an anonymous inode: no file type in st_mode (some kernels may show S_IFREG);
        // pipes, sockets, devices and directories are not asked for their link.
        const int fd = std::atoi(d->d_name);
        struct stat st;
        if (fstat(fd, &st) != 0) continue;  // closed meanwhile
        const mode_t type = st.st_mode & S_IFMT;
        if (type != 0 && type != S_IFREG) continue;
        char target[64];
        const ssize_t len = readlinkat(fd_dir, d->d_name, target, sizeof target);
        if (len <= 0 || static_cast<size_t>(len) >= sizeof target) continue;  // closed meanwhile, or a longer name: not ours
        const std::string link(target, static_cast<size_t>(len));
        const bool ring = link == "anon_inode:[io_uring]";
        if (!ring && link != "anon_inode:[eventfd]") continue;
        ScannedFd f;
        f.fd = fd;
        f.ring = ring;
        f.ino = static_cast<double>(st.st_ino);
        if (ring && !again) f.fdinfo_read = ReadProcFileAt(AT_FDCWD, std::string("/proc/self/fdinfo/") + d->d_name, &f.fdinfo);
        out->fds.push_back(std::move(f));
      }
    }
  }
  const int task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (task_dir < 0) {
    *what = "open(/proc/self/task)";
    return errno;
  }
  Fd guard(task_dir);
  if (const int err = ScanTasks(task_dir, &out->tids)) {
    *what = "getdents64(/proc/self/task)";
    return err;
  }
  for (const int tid : out->tids) {
    if (again && KnownPlain(tid)) continue;
    std::string comm;
    if (!ReadProcFileAt(task_dir, std::to_string(tid) + "/comm", &comm)) continue;  // ended meanwhile
    while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.pop_back();
    if (comm.rfind("iou-sqp-", 0) != 0) {
      AddPlain(tid);
      continue;
    }
    out->tasks.push_back({tid, comm});
  }
  return 0;
}

}  // namespace

int ScanRings(RingScanResult* out, const char** what) { return Scan(out, what, false); }

int ScanRingsAgain(RingScanResult* out, const char** what) { return Scan(out, what, true); }

bool ReplayRingEnter(const uint64_t args[6], long* result) {
  const RingSet* set = g_rings.load(std::memory_order_acquire);
  if (set == nullptr) return false;
  const int fd = static_cast<int32_t>(args[0]);
  for (const Ring& r : set->rings) {
    if (r.fd == fd) {
      *result = Replay(r, static_cast<uint32_t>(args[1]), static_cast<uint32_t>(args[2]), static_cast<uint32_t>(args[3]));
      return true;
    }
  }
  return false;
}

void InitRingReplay(Napi::Env env, Napi::Object exports) {
  exports.Set("ringAdopt", Napi::Function::New(env, RingAdoptJs, "ringAdopt"));
  exports.Set("ringState", Napi::Function::New(env, RingStateJs, "ringState"));
  exports.Set("ringScan", Napi::Function::New(env, RingScanJs, "ringScan"));
  exports.Set("ringScanAhead", Napi::Function::New(env, RingScanAheadJs, "ringScanAhead"));
  exports.Set("ringScanDrop", Napi::Function::New(env, RingScanDropJs, "ringScanDrop"));
}

}  // namespace seccomp_scopes
