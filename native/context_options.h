// What one SecureContext is built from: the C++ mirror of `ContextOptions` in src/profile.ts
// (ProfileSettings & ContextGlobals). Strings are "" for "none", as in tls.cfg.
#ifndef SIPTLS_CONTEXT_OPTIONS_H_
#define SIPTLS_CONTEXT_OPTIONS_H_

#include <string>

#include "keylog.h"

namespace siptls {

enum class VerifyClient { kOff, kOn, kOptional, kOptionalNoCa };

struct ContextOptions {
  std::string method = "TLSv1.2+";  // tls_method: SSLv23, TLSv1, TLSv1.0+, ..., TLSv1.3+
  std::string certificate;          // certificate: PEM chain file (may hold the key too)
  std::string private_key;          // private_key: PEM file, or "/engine:…" / "/uri:…" reference
  std::string private_key_password;
  std::string certificate2;         // certificate2: a second chain of another key type
  std::string private_key2;
  std::string private_key_password2;
  std::string ca_list;              // ca_list: PEM file of trusted CAs (also advertised to clients)
  std::string ca_path;              // ca_path: hashed directory (lookup only)
  std::string crl;                  // crl: PEM CRL file(s); enables CRL_CHECK | CRL_CHECK_ALL
  bool verify_certificate = false;  // legacy verify_certificate
  bool require_certificate = false; // legacy require_certificate
  VerifyClient verify_client = VerifyClient::kOff;
  int verify_depth = 9;
  std::string cipher_list;
  bool session_cache = false;
  std::string session_id;
  int ssl_release_buffers = -1;     // -1 leave, 0 clear, 1 set SSL_MODE_RELEASE_BUFFERS
  int ssl_max_send_fragment = -1;   // -1 leave, else 512..16384
  bool ssl_read_ahead = false;
  bool renegotiation = false;
  KeyLogOptions keylog;             // keylog_mode, keylog_file, keylog_peer (module-wide)
};

}  // namespace siptls

#endif  // SIPTLS_CONTEXT_OPTIONS_H_
