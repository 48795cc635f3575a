// What pledge.cc and unveil.cc share inside libpledge (not installed).
#ifndef LIBPLEDGE_INTERNAL_H_
#define LIBPLEDGE_INTERNAL_H_

#include <pthread.h>

namespace libpledge {

// The process lock of pledge() and unveil(): one call at a time.
extern pthread_mutex_t g_lock;

// pledge.cc: whether a pledge is in force, and whether its promises keep "unveil".
bool Pledged();
bool PledgeKeepsUnveil();

// pledge.cc: writes `text` on stderr.
void Message(const char* text);

// unveil.cc: whether paths are unveiled and not locked yet.
bool UnveilPending();

// unveil.cc: pledge(`promises`) locks the paths unveiled and not locked yet,
// strictly, before its filter (docs/unveil.md "With pledge"); `keeps`: the
// promises keep "unveil". Returns 0 or the errno (with a message on stderr).
// The caller holds g_lock.
int UnveilLockForPledge(const char* promises, bool keeps);

}  // namespace libpledge

#endif  // LIBPLEDGE_INTERNAL_H_
