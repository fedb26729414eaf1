// The bridge from key log lines to the module's JS logger (keylog_mode bit 4).
//
// The keylog callback runs inside an SSL call, where no JS may run (architecture: no JS callback
// inside an SSL loop). The line is queued on a thread-safe function instead, and JS gets it on a
// later turn of the loop; the handshake never waits for the logger.
#ifndef SIPTLS_KEYLOG_NOTICE_H_
#define SIPTLS_KEYLOG_NOTICE_H_

#include <napi.h>

#include "keylog.h"

namespace siptls {

// A KeyLogNotice that calls `fn(line)` on a later loop turn of `env`. Keeps the loop alive for
// nothing (unref'd); after the environment's cleanup has begun, lines are dropped.
KeyLogNotice MakeKeyLogNotice(Napi::Env env, Napi::Function fn);

}  // namespace siptls

#endif  // SIPTLS_KEYLOG_NOTICE_H_
