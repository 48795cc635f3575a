// pledge-launch: the `pledge` command's native launcher (docs/cli.md,
// "Launch and the policy cache"). Started by the command's entry script
// (@seccomp-scopes/pledge-cli bin/pledge) as
//
//   pledge-launch [--pledge-js PLEDGE_JS] [pledge's arguments...]
//
// (without --pledge-js: the command's bin/pledge.js next to this package)
// it runs the program without starting Node when the policy cache holds an
// entry for this command line: it computes the key (the only code that
// does), reads the entry and checks it (owner, mode, format, checksum, key,
// the recorded files), and supervises the program with the native client
// (native-client.cc) over the same supervisor as the command
// (supervise/supervisor.cc). Anything else (no entry, a refused one, an
// option it does not serve natively, any doubt) executes Node on PLEDGE_JS
// with the same arguments, passing the key in SECCOMP_SCOPES_CACHE_WRITE so
// that the command writes the entry after computing the policy.
//
// Before either, it does what Node does at start-up to the process state
// the program inherits (descriptors 0-2 opened on /dev/null when closed,
// the soft RLIMIT_NOFILE raised to the hard limit), so the program starts
// the same both ways.

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../linux/errno-name.h"
#include "../linux/owned-file.h"
#include "../report/tables-view.h"
#include "../supervise/supervisor.h"
#include "native-client.h"
#include "policy-entry.h"

extern char** environ;

namespace seccomp_scopes {
namespace {

#if defined(__x86_64__)
constexpr const char* kNodeArch = "x64";
#elif defined(__aarch64__)
constexpr const char* kNodeArch = "arm64";
#else
#error "pledge-launch knows x86_64 and aarch64"
#endif

constexpr int kExitCliError = 125, kExitCannotExecute = 126, kExitNotFound = 127;
const char* const kRequestEnv = "SECCOMP_SCOPES_CACHE_WRITE";
const char* const kNoCacheEnv = "SECCOMP_SCOPES_NO_CACHE";
const char* const kTraceEnv = "SECCOMP_SCOPES_CACHE_TRACE";

// One line to the file SECCOMP_SCOPES_CACHE_TRACE names: what the launcher
// did and why (tests, and anyone wondering).
void Trace(const std::string& what) {
  const char* path = getenv(kTraceEnv);
  if (path == nullptr || *path == '\0') return;
  const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const std::string line = what + "\n";
  if (write(fd, line.data(), line.size()) < 0) {}
  close(fd);
}

void WriteErr(const std::string& text) {
  for (size_t off = 0; off < text.size();) {
    const ssize_t n = write(2, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Node's start-up (node.cc PlatformInit): SIGPIPE ignored, 0-2 valid, the descriptor limit raised.
void AsNodeStarts() {
  // SIGPIPE ignored, as in Node (a report to a closed stderr is not fatal to
  // the supervisor); the program gets default dispositions (ChildMain).
  signal(SIGPIPE, SIG_IGN);
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    if (fstat(fd, &st) == 0 || errno != EBADF) continue;
    const int n = open("/dev/null", O_RDWR);
    if (n != fd) abort();
  }
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

[[noreturn]] void RunNode(const char* js, const std::vector<std::string>& rest, const std::string& request) {
  if (!request.empty()) setenv(kRequestEnv, request.c_str(), 1);
  else unsetenv(kRequestEnv);
  std::vector<char*> args;
  args.push_back(const_cast<char*>("node"));
  args.push_back(const_cast<char*>(js));
  for (const auto& a : rest) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp("node", args.data());
  const int err = errno;
  WriteErr(std::string("pledge: node: ") + std::strerror(err) + "\n");
  _exit(err == ENOENT ? kExitNotFound : kExitCannotExecute);
}

// run.ts inheritedDescriptors(): descriptors 3 and up, without event-loop
// objects (anon_inode) and pipes or socket pairs whose both ends are here;
// those are made close-on-exec, the rest passed to the program.
std::vector<int> InheritedDescriptors() {
  std::vector<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (struct dirent* e = readdir(dir)) {
      char* end = nullptr;
      const long fd = strtol(e->d_name, &end, 10);
      if (end != e->d_name && *end == '\0' && fd >= 3) fds.push_back(static_cast<int>(fd));
    }
    closedir(dir);
  }
  std::map<int, std::string> links;
  std::map<std::string, int> count;
  for (int fd : fds) {
    char buf[PATH_MAX];
    const ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf);
    if (n < 0) continue;  // the directory's own, closed by now
    links[fd] = std::string(buf, static_cast<size_t>(n));
    count[links[fd]]++;
  }
  std::vector<int> out;
  for (const auto& [fd, link] : links) {
    const bool own = link.rfind("anon_inode:", 0) == 0 ||
                     ((link.rfind("pipe:[", 0) == 0 || link.rfind("socket:[", 0) == 0) && count[link] > 1);
    if (own) fcntl(fd, F_SETFD, FD_CLOEXEC);
    else out.push_back(fd);
  }
  return out;
}

std::string Join(const std::string& dir, const std::string& name) {
  // path.join: the two joined by '/', normalized (relative results stay relative).
  const std::string joined = dir + "/" + name;
  if (joined[0] == '/') return NormalizePath(joined);
  std::string n = NormalizePath("/" + joined);  // no ".." can climb above a relative start here (a PATH entry)
  return dir.rfind("..", 0) == 0 ? joined : n.substr(1);
}

// resolve.ts resolveCommand(): "" when not found or not executable (Node says why).
std::string ResolveCommand(const std::string& command) {
  auto executable = [](const std::string& f) {
    struct stat st;
    return stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(f.c_str(), X_OK) == 0;
  };
  if (command.empty()) return "";
  if (command.find('/') != std::string::npos) return executable(command) ? command : "";
  const char* env_path = getenv("PATH");
  const std::string path = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
  size_t i = 0;
  for (;;) {
    const size_t j = path.find(':', i);
    const std::string dir = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    const std::string candidate = Join(dir.empty() ? "." : dir, command);
    if (executable(candidate)) return candidate;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return "";  // found, not executable: Node's message
    if (j == std::string::npos) return "";
    i = j + 1;
  }
}

// The command line: [run] options [--] COMMAND ARGS. Returns the index
// (into args) where COMMAND starts, or -1 when an option is one the
// launcher does not serve natively (Node runs the command).
int SplitOptions(const std::vector<std::string>& args) {
  static const char* const kValue[] = {"-p", "--promises", "-e", "--execpromises", "--penalty", "--errno", "--report-format", "--loader-timeout"};
  static const char* const kFlag[] = {"-q", "--quiet", "--no-window", "--no-unveil-warning", "--node"};
  size_t i = 0;
  if (!args.empty() && args[0] == "run") i++;
  while (i < args.size()) {
    const std::string& w = args[i];
    if (w == "--") return static_cast<int>(i + 1);
    if (w.size() < 2 || w[0] != '-') return static_cast<int>(i);
    bool known = false;
    for (const char* v : kValue) {
      const std::string o = v;
      if (w == o) {
        if (i + 1 >= args.size()) return -1;
        i += 2;
        known = true;
        break;
      }
      if (o.size() > 2 && w.rfind(o + "=", 0) == 0) {
        i += 1;
        known = true;
        break;
      }
    }
    if (known) continue;
    for (const char* f : kFlag) {
      if (w == f) {
        i += 1;
        known = true;
        break;
      }
    }
    if (!known) return -1;
  }
  return static_cast<int>(i);
}

std::string Hex(const std::string& bytes) {
  static const char* const d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The cache directory: $XDG_CACHE_HOME/seccomp-scopes, else ~/.cache/seccomp-scopes ("" if neither is absolute).
std::string CacheDir() {
  const char* xdg = getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/seccomp-scopes";
  const char* home = getenv("HOME");
  if (home && home[0] == '/') return std::string(home) + "/.cache/seccomp-scopes";
  return "";
}

uint64_t Ns(const struct timespec& t) { return static_cast<uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<uint64_t>(t.tv_nsec); }

// Whether every fact the entry was computed from still holds.
std::string CheckDeps(const PolicyEntry& e) {
  for (const EntryDep& d : e.deps) {
    if (d.kind == EntryDep::kStat) {
      struct stat st;
      EntryDep now;
      if (stat(d.path.c_str(), &st) == 0) {
        now.dev = st.st_dev; now.ino = st.st_ino; now.size = static_cast<uint64_t>(st.st_size);
        now.mtime_ns = Ns(st.st_mtim); now.ctime_ns = Ns(st.st_ctim);
      }
      if (now.dev != d.dev || now.ino != d.ino || now.size != d.size || now.mtime_ns != d.mtime_ns || now.ctime_ns != d.ctime_ns) {
        return "stale: " + d.path + " changed";
      }
    } else {
      char buf[PATH_MAX];
      const std::string real = realpath(d.path.c_str(), buf) ? buf : "";
      if (real != d.real) return "stale: " + d.path + " resolves elsewhere";
    }
  }
  return "";
}

bool KernelCanSupervise() {
  const int fd = open("/proc/sys/kernel/seccomp/actions_avail", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return std::strstr(buf, "user_notif") != nullptr;
}

// run.ts: the environment, with the preload first in LD_PRELOAD.
std::vector<std::string> ProgramEnv(const PolicyEntry& e) {
  std::vector<std::string> env;
  bool seen = false;
  for (char** p = environ; *p; p++) {
    std::string kv = *p;
    if (kv.find('=') == std::string::npos) continue;
    if (e.has_preload && kv.rfind("LD_PRELOAD=", 0) == 0) {
      const std::string old = kv.substr(11);
      kv = "LD_PRELOAD=" + (old.empty() ? e.preload : e.preload + ":" + old);
      seen = true;
    }
    env.push_back(kv);
  }
  if (e.has_preload && !seen) env.push_back("LD_PRELOAD=" + e.preload);
  return env;
}

int Launch(int argc, char** argv) {
  // The request is the launcher's word to Node alone: one the caller set never reaches the program (Node removes it too).
  unsetenv(kRequestEnv);
  AsNodeStarts();
  const std::vector<int> inherit = InheritedDescriptors();
  // `--pledge-js FILE` first (the entry script's way), else the command's
  // pledge.js next to this package: native/{build/Release,prebuilds/ARCH}/pledge-launch.
  std::string js_path;
  int skip = 1;
  if (argc >= 3 && std::strcmp(argv[1], "--pledge-js") == 0) {
    js_path = argv[2];
    skip = 3;
  } else {
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      std::string dir(self, static_cast<size_t>(n));
      for (int up = 0; up < 4; up++) dir = dir.substr(0, dir.rfind('/'));  // the file, Release|linux-ARCH, build|prebuilds, native
      js_path = dir + "/pledge-cli/bin/pledge.js";
    }
  }
  const char* js = js_path.c_str();
  std::vector<std::string> args(argv + skip, argv + argc);
  const char* no_cache = getenv(kNoCacheEnv);
  if (no_cache && *no_cache) {
    Trace("off: " + std::string(kNoCacheEnv));
    RunNode(js, args, "");
  }
  const int at = SplitOptions(args);
  // Only `pledge [run] -p PROMISES ... COMMAND` is ever cached (-p is required; a subcommand is Node's).
  bool promises = false;
  for (int i = 0; i < at; i++) {
    const std::string& w = args[static_cast<size_t>(i)];
    promises = promises || w == "-p" || w == "--promises" || w.rfind("--promises=", 0) == 0;
  }
  if (at < 0 || static_cast<size_t>(at) >= args.size() || !promises) {
    Trace("node: options not served natively");
    RunNode(js, args, "");
  }
  const std::string& command = args[static_cast<size_t>(at)];
  const std::string file = ResolveCommand(command);
  const std::string dir = CacheDir();
  if (file.empty() || dir.empty() || dir.find('\n') != std::string::npos) {
    Trace("node: no program or no cache directory");
    RunNode(js, args, "");
  }
  // The key: everything the policy is computed from that the entry does not check itself.
  std::string key = std::string(kEntryFormat) + '\0' + kNodeArch + '\0' + std::to_string(getuid()) + '\0' +
                    std::to_string(getgid()) + '\0' + std::to_string(geteuid()) + '\0';
  for (int i = 0; i < at; i++) key += args[static_cast<size_t>(i)] + '\0';
  key += '\1' + file + '\0';
  if (file[0] != '/') {
    char cwd[PATH_MAX];
    key += getcwd(cwd, sizeof cwd) ? cwd : "?";
  }
  for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH"}) {
    const char* v = getenv(name);
    key += std::string("\0", 1) + name + (v ? std::string("=") + v : std::string());
  }
  char name[32];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(Fnv1a64(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
  const std::string file_name = std::string(name) + ".policy";
  const std::string path = dir + "/" + file_name;
  const std::string request = std::to_string(at) + "\n" + kEntryFormat + "\n" + Hex(key) + "\n" + path;

  std::vector<uint8_t> bytes;
  PolicyEntry entry;
  std::string why = ReadOwned(dir, file_name, 64 << 20, &bytes);
  if (why.empty()) {
    why = ParsePolicyEntry(bytes, &entry);
    if (!why.empty()) why = "refused: " + why;
  }
  if (why.empty() && (entry.key != key || entry.format != kEntryFormat || entry.arch != kNodeArch)) why = "refused: written for another key, format or arch";
  if (why.empty() && entry.file != file) why = "refused: written for another program";
  if (why.empty()) why = CheckDeps(entry);
  if (why.empty() && !KernelCanSupervise()) why = "node: the kernel cannot supervise";
  if (why.empty()) {
    // The report tables must parse (a bad entry must not fail mid-run).
    std::vector<uint64_t> aligned((entry.tables.bytes.size() + 7) / 8 + 1, 0);
    const std::vector<uint8_t> t = WithPid(entry.tables, 2, false);
    std::memcpy(aligned.data(), t.data(), t.size());
    Tables parsed;
    if (ParseTables(reinterpret_cast<const uint8_t*>(aligned.data()), t.size(), &parsed) != nullptr) why = "refused: bad report tables";
  }
  if (!why.empty()) {
    Trace(why);
    RunNode(js, args, request);
  }
  Trace("hit");

  if (!entry.quiet) for (const auto& m : entry.messages) WriteErr(m + "\n");
  SuperviseConfig config;
  config.file = file;
  config.argv.assign(args.begin() + at, args.end());
  config.envp = ProgramEnv(entry);
  config.loader = entry.loader;
  config.loader_timeout_ms = entry.loader_timeout_ms;
  config.has_program_identity = entry.has_program_identity;
  config.program_dev = entry.program_dev;
  config.program_ino = entry.program_ino;
  config.window = entry.window;
  config.path_args = entry.path_args;
  config.signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  config.inherit_fds = inherit;
  NativeClient client(entry, file, getenv("HOME"));
  SuperviseOutcome out;
  try {
    out = Supervise(config, &client);
  } catch (const SuperviseError& e) {
    const std::string hint = e.err() == EBUSY ? " (this process already runs under a seccomp filter with a listener, e.g. inside another `pledge run`; only one is allowed)" : "";
    WriteErr("pledge: cannot run " + command + ": " + e.syscall() + " failed: " + ErrnoName(e.err()) + " (" + std::strerror(e.err()) + ")" + hint + "\n");
    return kExitCliError;
  } catch (const std::exception& e) {
    WriteErr(std::string("pledge: internal error: ") + e.what() + "\n");
    return kExitCliError;
  }
  if (out.exec_errno != 0) {
    WriteErr("pledge: " + command + ": " + std::strerror(out.exec_errno) + "\n");
    return out.exec_errno == ENOENT || out.exec_errno == ENOTDIR ? kExitNotFound : kExitCannotExecute;
  }
  if (out.violation_kill) return 128 + SIGSYS;
  if (WIFEXITED(out.wait_status)) return WEXITSTATUS(out.wait_status);
  return 128 + (WIFSIGNALED(out.wait_status) ? WTERMSIG(out.wait_status) : 0);
}

}  // namespace
}  // namespace seccomp_scopes

int main(int argc, char** argv) { return seccomp_scopes::Launch(argc, argv); }
