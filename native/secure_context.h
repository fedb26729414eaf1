// SecureContext: one SSL_CTX built from one ContextOptions (one profile of one generation).
//
// Plain C++ (no N-API): the transport and the session core hold it by std::shared_ptr. The JS
// object wrapping it is SecureContextWrap (secure_context_wrap.h). A context is immutable once
// built, so any number of sessions may share it.
#ifndef SIPTLS_SECURE_CONTEXT_H_
#define SIPTLS_SECURE_CONTEXT_H_

#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "addon_data.h"
#include "context_options.h"
#include "keylog.h"
#include "ssl_error.h"

namespace siptls {

class SecureContext {
 public:
  // Builds the SSL_CTX in `addon`'s library context. On success returns the context; on failure
  // returns nullptr and fills `*error` (naming the parameter, the file and OpenSSL's reason).
  static std::shared_ptr<SecureContext> Create(std::shared_ptr<AddonData> addon,
                                               const ContextOptions& options, TlsError* error);
  ~SecureContext();
  SecureContext(const SecureContext&) = delete;
  SecureContext& operator=(const SecureContext&) = delete;

  // The SSL_CTX (owned by this object; SSL objects made from it take their own reference).
  SSL_CTX* Ctx() const { return ctx_; }
  const ContextOptions& Options() const { return options_; }
  const std::shared_ptr<AddonData>& Addon() const { return addon_; }
  // The leaf certificates loaded from `certificate` and `certificate2` (owned by the context).
  const std::vector<X509*>& Certificates() const { return certificates_; }
  // Where this context's key log lines go (keylog_mode bit 1), or null.
  const std::shared_ptr<KeyLog>& KeyLogSink() const { return keylog_; }

  // Copies the per-SSL settings of this context onto `ssl` (options, mode, verify mode, callback
  // and depth, protocol range, ciphers, max send fragment, read ahead). SSL_set_SSL_CTX(3) moves
  // only the certificate and key, so a session switching context at ClientHello calls this too.
  // Returns false (and fills `*error`) if OpenSSL refuses a setting.
  bool ApplyTo(SSL* ssl, TlsError* error) const;

  // The protocol range of a `tls_method` value (0 = no bound), as Kamailio maps it.
  // Returns false for values that name no usable method (SSLv2, SSLv3, unknown).
  static bool MethodRange(const std::string& method, int* min_version, int* max_version);

 private:
  SecureContext(std::shared_ptr<AddonData> addon, SSL_CTX* ctx, const ContextOptions& options);

  std::shared_ptr<AddonData> addon_;
  SSL_CTX* ctx_;
  ContextOptions options_;
  std::vector<X509*> certificates_;  // one reference each, freed with the context
  int verify_mode_ = SSL_VERIFY_NONE;
  int min_version_ = 0;
  int max_version_ = 0;
  std::string tls12_ciphers_;  // for SSL_set_cipher_list ("" = OpenSSL's default)
  std::string tls13_suites_;   // for SSL_set_ciphersuites ("" = OpenSSL's default)
  std::shared_ptr<KeyLog> keylog_;

};

}  // namespace siptls

#endif  // SIPTLS_SECURE_CONTEXT_H_
