// Certificate and session facts as JS objects (field names as src/native.ts declares them).
#ifndef SIPTLS_JS_FACTS_H_
#define SIPTLS_JS_FACTS_H_

#include <napi.h>

#include "tls_session_core.h"
#include "x509_info.h"

namespace siptls {

// null when no certificate is present.
Napi::Value CertificateToValue(Napi::Env env, const CertificateFacts& facts);
Napi::Object SessionFactsToValue(Napi::Env env, const SessionFacts& facts);

}  // namespace siptls

#endif  // SIPTLS_JS_FACTS_H_
