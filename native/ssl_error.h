// Errors as values: OpenSSL's error queue turned into Node-shaped fields, plus our own codes.
//
// `code` is `ERR_SSL_<REASON>` for libssl errors and `ERR_OSSL_<LIB>_<REASON>` /
// `ERR_OSSL_<REASON>` for libcrypto ones, built the way Node builds them (reason upper-cased,
// spaces to '_'), or one of our `ERR_TLS_*` codes (listed in src/errors.ts).
#ifndef SIPTLS_SSL_ERROR_H_
#define SIPTLS_SSL_ERROR_H_

#include <string>

namespace siptls {

struct TlsError {
  std::string code;       // "ERR_SSL_CERTIFICATE_VERIFY_FAILED", "ERR_TLS_KEY_MISMATCH", ...
  std::string library;    // OpenSSL library ("SSL routines"), or "sip-tls" for our own codes
  std::string reason;     // OpenSSL's reason text, or ours
  std::string file;       // the file involved, if any
  std::string parameter;  // the Kamailio parameter involved (e.g. "private_key"), if any
  long verify_result = -1;  // X509_V_* of a failed peer verification, else -1

  bool IsSet() const { return !code.empty(); }
  // "reason (parameter private_key, file /x/key.pem)": one line for logs and Error.message.
  std::string Message() const;
};

// Our own error, not from OpenSSL.
TlsError MakeError(const char* code, std::string reason, std::string parameter = std::string(),
                   std::string file = std::string());

// Takes the earliest error on this thread's OpenSSL queue and empties the queue. When the queue
// is empty, returns `fallback_code`/`fallback_reason` (library "sip-tls").
TlsError TakeOpenSslError(const char* fallback_code, const char* fallback_reason);

// Node's code for one packed OpenSSL error (ERR_get_error() value).
std::string OpenSslErrorCode(unsigned long err);

// The error OpenSSL's libssl reports with `reason` (SSL_R_*, or SSL_AD_REASON_OFFSET + an alert
// the peer sent), as TakeOpenSslError() would give it: the same code, library and reason text.
TlsError SslReasonError(int reason);

// Empties this thread's OpenSSL error queue. Peeks first: the queue is almost always empty, and
// ERR_clear_error() walks all of its slots every time (ERR_clear_error(3), ERR_peek_error(3)).
void ClearErrorQueue();

// Clears the OpenSSL error queue on entry and on exit, so no call sees (or leaves behind)
// another's errors. Like Node's MarkPopErrorOnReturn / Kamailio's tls_openssl_clear_errors().
class ClearErrorsOnEntryAndExit {
 public:
  ClearErrorsOnEntryAndExit();
  ~ClearErrorsOnEntryAndExit();
  ClearErrorsOnEntryAndExit(const ClearErrorsOnEntryAndExit&) = delete;
  ClearErrorsOnEntryAndExit& operator=(const ClearErrorsOnEntryAndExit&) = delete;
};

}  // namespace siptls

#endif  // SIPTLS_SSL_ERROR_H_
