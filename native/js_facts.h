// Certificate and session facts as JS objects (field names as src/native.ts and, for the
// transport's facts, src/transport-native.ts declare them).
#ifndef SIPTLS_JS_FACTS_H_
#define SIPTLS_JS_FACTS_H_

#include <napi.h>

#include "tls_session_core.h"
#include "x509_info.h"

namespace siptls {

// null when no certificate is present.
Napi::Value CertificateToValue(Napi::Env env, const CertificateFacts& facts);
Napi::Object SessionFactsToValue(Napi::Env env, const SessionFacts& facts);
// The transport's kSecure facts (NativeTlsFacts in src/transport-native.ts): the session's
// fields with peer* names and the peer certificate with flat san* lists, or peer: null.
Napi::Object TransportFactsToValue(Napi::Env env, const SessionFacts& session,
                                   const CertificateFacts& peer);

}  // namespace siptls

#endif  // SIPTLS_JS_FACTS_H_
