// Borrowing glibc's SIGSETXID (signal 33) to reach threads that block every
// other signal, for the all-threads Landlock enforcement (threads.cc);
// setxid.cc has the design. Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_LANDLOCK_SETXID_H_
#define SECCOMP_SCOPES_LANDLOCK_SETXID_H_

#include <signal.h>

#include <string>

namespace seccomp_scopes {

// SIGSETXID: __SIGRTMIN + 1 (glibc's nptl/pthreadP.h).
constexpr int kSigSetxid = 33;

// A delivery of signal 33 that the borrower claims: returns true when it
// was one of its own (and has been handled), false to pass it on to glibc.
// Called in the signal handler: must be async-signal-safe.
using SetxidClaim = bool (*)(const siginfo_t* info);

// Why signal 33 cannot be used here, or "" if it can: glibc on x86_64 or
// arm64, the switch SECCOMP_SCOPES_NO_SETXID unset, and 33 handled with
// SA_SIGINFO (glibc installs its handler when the second thread starts).
std::string SetxidUnavailable();

// Installs our handler in place of glibc's: each delivery goes to `claim`
// first, then (unclaimed) to glibc's handler. Returns 0 or an errno.
int InstallSetxidHandler(SetxidClaim claim);

// Puts glibc's handler back, unless `keep` (one of our signals 33 may still
// arrive): then ours stays, passing everything else on. Returns whether
// glibc's handler is back.
bool RestoreSetxidHandler(bool keep);

// Whether our handler is in place.
bool SetxidHandlerInstalled();

// Deliveries passed on to glibc's handler so far (diagnostics).
int SetxidPassedOn();

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LANDLOCK_SETXID_H_
