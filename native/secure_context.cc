// SecureContext: builds one SSL_CTX the way Kamailio's tls_domain.c does (see
// docs/kamailio-behaviour.md section 3 "Per-SSL_CTX setup order"), in the module's own library
// context, with errors as values.
#include "secure_context.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "key_ref.h"
#include "tls_session_core.h"

namespace siptls {

namespace {

constexpr size_t kMaxSessionIdContext = SSL_MAX_SID_CTX_LENGTH;  // 32 bytes

// Verification callback of verify_client=optional_no_ca: accept whatever the peer presents.
// OpenSSL still records the real result (SSL_get_verify_result), which the session reports as
// `verified`, `verifyResult` and friends. See SSL_CTX_set_verify(3).
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// The password for one key file. Never prompts: with no password configured an encrypted key
// fails to load (OpenSSL's own default callback would read the TTY). See pem_password_cb(3).
struct KeyPassword {
  const std::string* password;
  bool asked = false;
};

int PasswordCallback(char* buf, int size, int, void* userdata) {
  if (userdata == nullptr) return -1;
  KeyPassword* key = static_cast<KeyPassword*>(userdata);
  key->asked = true;
  if (key->password == nullptr || key->password->empty()) return -1;
  if (key->password->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, key->password->data(), key->password->size());
  return static_cast<int>(key->password->size());
}

// Certificates need no password; this keeps OpenSSL from ever prompting while reading them.
int NoPasswordCallback(char*, int, int, void*) { return -1; }

// What failed, then OpenSSL's reason in brackets: its reason alone ("unsupported", "no start
// line") does not say what the file lacked.
TlsError OpenSslFailure(const char* fallback_code, const char* what, const char* parameter,
                        const std::string& file) {
  bool from_openssl = ERR_peek_error() != 0;
  TlsError error = TakeOpenSslError(fallback_code, what);
  if (from_openssl) error.reason = std::string(what) + " (" + error.reason + ")";
  error.parameter = parameter;
  error.file = file;
  return error;
}

// A clear error for a missing or unreadable file before OpenSSL's less specific one.
bool CheckReadableFile(const std::string& file, const char* parameter, TlsError* error) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    *error = MakeError("ERR_TLS_FILE_UNREADABLE",
                       std::string("cannot read file: ") + std::strerror(errno), parameter, file);
    return false;
  }
  std::fclose(f);
  return true;
}

// Loads the private key for the certificate just loaded and checks that they match.
bool LoadPrivateKey(AddonData& addon, SSL_CTX* ctx, const std::string& key_file,
                    bool key_from_certificate, const std::string& password, const char* parameter,
                    TlsError* error) {
  if (IsPrivateKeyRef(key_file)) {
    return LoadPrivateKeyRef(addon, ctx, key_file, password, parameter, error);
  }
  if (!CheckReadableFile(key_file, parameter, error)) return false;
  BIO* bio = BIO_new_file(key_file.c_str(), "r");
  if (bio == nullptr) {
    *error = OpenSslFailure("ERR_TLS_FILE_UNREADABLE", "cannot open file", parameter, key_file);
    return false;
  }
  KeyPassword key_password{&password};
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey_ex(bio, nullptr, PasswordCallback, &key_password,
                                              addon.LibCtx(), nullptr);
  BIO_free(bio);
  if (pkey == nullptr) {
    std::string pw_parameter = std::string(parameter) == "private_key2" ? "private_key_password2"
                                                                        : "private_key_password";
    if (key_password.asked && password.empty()) {
      ERR_clear_error();
      *error = MakeError("ERR_TLS_KEY_PASSWORD_MISSING",
                         "the private key is encrypted and " + pw_parameter + " is not set",
                         parameter, key_file);
    } else if (key_password.asked) {
      TlsError cause = TakeOpenSslError("ERR_TLS_KEY_PASSWORD_WRONG", "bad decrypt");
      *error = MakeError("ERR_TLS_KEY_PASSWORD_WRONG",
                         "cannot decrypt the private key with " + pw_parameter + " (" +
                             cause.reason + ")",
                         parameter, key_file);
    } else if (key_from_certificate) {
      ERR_clear_error();
      *error = MakeError("ERR_TLS_KEY_MISSING",
                         std::string("no private key in the certificate file and ") + parameter +
                             " is not set",
                         parameter, key_file);
    } else {
      *error = OpenSslFailure("ERR_TLS_KEY_INVALID", "no private key in PEM form in the file",
                              parameter, key_file);
    }
    return false;
  }
  // SSL_CTX_use_PrivateKey puts the key in the slot of its type and refuses a key that does not
  // match the certificate there; SSL_CTX_check_private_key catches a key whose slot holds no
  // certificate (e.g. an ECDSA key given for an RSA certificate).
  bool ok = SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(pkey);
  if (!ok) {
    TlsError cause = TakeOpenSslError("ERR_TLS_KEY_MISMATCH", "key values mismatch");
    *error = MakeError("ERR_TLS_KEY_MISMATCH",
                       "the private key does not match the certificate (" + cause.reason + ")",
                       parameter, key_file);
    return false;
  }
  return true;
}

// One certificate chain and its key: `certificate`/`private_key` or the `*2` pair.
bool LoadCertificateAndKey(AddonData& addon, SSL_CTX* ctx, const std::string& certificate,
                           const std::string& private_key, const std::string& password,
                           const char* cert_parameter, const char* key_parameter,
                           std::vector<X509*>* loaded, TlsError* error) {
  if (certificate.empty()) {
    if (private_key.empty()) return true;
    *error = MakeError("ERR_TLS_KEY_WITHOUT_CERTIFICATE",
                       std::string(key_parameter) + " is set but " + cert_parameter + " is not",
                       key_parameter, private_key);
    return false;
  }
  if (!CheckReadableFile(certificate, cert_parameter, error)) return false;
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1) {
    *error = OpenSslFailure("ERR_TLS_CERTIFICATE_INVALID", "cannot load the certificate chain",
                            cert_parameter, certificate);
    return false;
  }
  // The chain file's leaf is now the current certificate (SSL_CTX_get0_certificate(3)).
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf != nullptr && X509_up_ref(leaf) == 1) loaded->push_back(leaf);
  bool from_certificate = private_key.empty();
  return LoadPrivateKey(addon, ctx, from_certificate ? certificate : private_key,
                        from_certificate, password, key_parameter, error);
}

bool LoadTrust(SSL_CTX* ctx, OSSL_LIB_CTX* libctx, const ContextOptions& options,
               TlsError* error) {
  if (!options.ca_list.empty()) {
    if (!CheckReadableFile(options.ca_list, "ca_list", error)) return false;
    if (SSL_CTX_load_verify_file(ctx, options.ca_list.c_str()) != 1) {
      *error = OpenSslFailure("ERR_TLS_CA_INVALID", "cannot load the CA list", "ca_list",
                              options.ca_list);
      return false;
    }
    // Only ca_list names are advertised in CertificateRequest; ca_path is lookup-only, as in
    // Kamailio. See SSL_CTX_set_client_CA_list(3).
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file_ex(options.ca_list.c_str(), libctx,
                                                             nullptr);
    if (names == nullptr) {
      *error = OpenSslFailure("ERR_TLS_CA_INVALID", "no CA names in the CA list", "ca_list",
                              options.ca_list);
      return false;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  if (!options.ca_path.empty()) {
    struct stat st;
    if (stat(options.ca_path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      *error = MakeError("ERR_TLS_FILE_UNREADABLE", "not a readable directory", "ca_path",
                         options.ca_path);
      return false;
    }
    if (SSL_CTX_load_verify_dir(ctx, options.ca_path.c_str()) != 1) {
      *error = OpenSslFailure("ERR_TLS_CA_INVALID", "cannot use the CA directory", "ca_path",
                              options.ca_path);
      return false;
    }
  }
  if (!options.crl.empty()) {
    if (!CheckReadableFile(options.crl, "crl", error)) return false;
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr || X509_load_crl_file(lookup, options.crl.c_str(),
                                                X509_FILETYPE_PEM) <= 0) {
      *error = OpenSslFailure("ERR_TLS_CRL_INVALID", "no CRL found in the file", "crl",
                              options.crl);
      return false;
    }
    // CRL_CHECK_ALL: every level of the chain needs a CRL from its issuer, as in Kamailio;
    // a missing one fails verification with "unable to get certificate CRL".
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  return true;
}

// TLS 1.3 suite names all start with "TLS_" and no TLS 1.2 cipher name does, so a list may
// combine both: "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256".
void SplitCipherList(const std::string& list, std::string* tls12, std::string* tls13) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    if (!item.empty()) {
      std::string* target = item.rfind("TLS_", 0) == 0 ? tls13 : tls12;
      if (!target->empty()) *target += ':';
      *target += item;
    }
    start = end + 1;
  }
}

}  // namespace

bool SecureContext::MethodRange(const std::string& method, int* min_version, int* max_version) {
  struct Entry { const char* name; int min; int max; };
  static const Entry kMethods[] = {
      // "Any version": SSLv2 and SSLv3 are not built into this OpenSSL, so it is TLSv1+.
      {"SSLv23", TLS1_VERSION, 0},
      {"TLSv1", TLS1_VERSION, TLS1_VERSION},
      {"TLSv1.0", TLS1_VERSION, TLS1_VERSION},
      {"TLSv1+", TLS1_VERSION, 0},
      {"TLSv1.0+", TLS1_VERSION, 0},
      {"TLSv1.1", TLS1_1_VERSION, TLS1_1_VERSION},
      {"TLSv1.1+", TLS1_1_VERSION, 0},
      {"TLSv1.2", TLS1_2_VERSION, TLS1_2_VERSION},
      {"TLSv1.2+", TLS1_2_VERSION, 0},
      {"TLSv1.3", TLS1_3_VERSION, TLS1_3_VERSION},
      {"TLSv1.3+", TLS1_3_VERSION, 0},
  };
  for (const Entry& entry : kMethods) {
    if (method == entry.name) {
      *min_version = entry.min;
      *max_version = entry.max;
      return true;
    }
  }
  return false;
}

SecureContext::SecureContext(std::shared_ptr<AddonData> addon, SSL_CTX* ctx,
                             const ContextOptions& options)
    : addon_(std::move(addon)), ctx_(ctx), options_(options) {}

SecureContext::~SecureContext() {
  for (X509* cert : certificates_) X509_free(cert);
  SSL_CTX_free(ctx_);
}

std::shared_ptr<SecureContext> SecureContext::Create(std::shared_ptr<AddonData> addon,
                                                     const ContextOptions& options,
                                                     TlsError* error) {
  ClearErrorsOnEntryAndExit clear_errors;
  int min_version = 0;
  int max_version = 0;
  if (options.method == "SSLv2" || options.method == "SSLv3") {
    *error = MakeError("ERR_TLS_METHOD_UNSUPPORTED",
                       options.method + " is not supported (insecure and absent from OpenSSL 3)",
                       "tls_method");
    return nullptr;
  }
  if (!MethodRange(options.method, &min_version, &max_version)) {
    *error = MakeError("ERR_TLS_INVALID_METHOD", "unknown tls_method '" + options.method + "'",
                       "tls_method");
    return nullptr;
  }
  if (options.ssl_max_send_fragment != -1 &&
      (options.ssl_max_send_fragment < 512 || options.ssl_max_send_fragment > 16384)) {
    *error = MakeError("ERR_TLS_INVALID_MAX_SEND_FRAGMENT",
                       "invalid ssl_max_send_fragment value " +
                           std::to_string(options.ssl_max_send_fragment) +
                           " (allowed: -1, or 512 to 16384)",
                       "ssl_max_send_fragment");
    return nullptr;
  }
  if (options.verify_depth < 0) {
    *error = MakeError("ERR_TLS_INVALID_VERIFY_DEPTH",
                       "invalid verify_depth " + std::to_string(options.verify_depth),
                       "verify_depth");
    return nullptr;
  }
  if (options.ssl_release_buffers < -1 || options.ssl_release_buffers > 1) {
    *error = MakeError("ERR_TLS_INVALID_RELEASE_BUFFERS",
                       "invalid ssl_release_buffers " +
                           std::to_string(options.ssl_release_buffers) + " (allowed: -1, 0, 1)",
                       "ssl_release_buffers");
    return nullptr;
  }

  SSL_CTX* ctx = SSL_CTX_new_ex(addon->LibCtx(), nullptr, TLS_method());
  if (ctx == nullptr) {
    *error = TakeOpenSslError("ERR_TLS_CONTEXT_FAILED", "cannot create the SSL context");
    return nullptr;
  }
  std::shared_ptr<SecureContext> context(new SecureContext(addon, ctx, options));
  context->min_version_ = min_version;
  context->max_version_ = max_version;
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max_version) != 1) {
    *error = OpenSslFailure("ERR_TLS_INVALID_METHOD", "OpenSSL refuses this protocol range",
                            "tls_method", "");
    return nullptr;
  }
  // OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0 (SSL_CTX_set_security_level(3)):
  // a method that names those versions gets that level, so it means what the guide says.
  if (min_version == TLS1_VERSION || min_version == TLS1_1_VERSION) {
    SSL_CTX_set_security_level(ctx, 0);
  }

  // SSL_OP_ALL's interoperability workarounds as Kamailio sets them, except the one that
  // removes the TLS 1.0 CBC countermeasure (empty fragments). No compression (CRIME), and
  // renegotiation only when the renegotiation parameter allows it: SSL_OP_NO_RENEGOTIATION
  // makes a server answer a TLS 1.2 renegotiating ClientHello with a no_renegotiation alert
  // and a client ignore HelloRequest; TLS 1.3 KeyUpdate is not renegotiation and keeps working.
  // See SSL_CTX_set_options(3).
  uint64_t ssl_options = (SSL_OP_ALL & ~static_cast<uint64_t>(SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS)) |
                         SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION |
                         SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                         (options.renegotiation ? SSL_OP_ALLOW_CLIENT_RENEGOTIATION
                                                : SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_options(ctx, ssl_options);

  // The memory BIO may hand a write back in another buffer, and SSL_write may return after
  // part of a large buffer. See SSL_CTX_set_mode(3).
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (options.ssl_release_buffers == 1) SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (options.ssl_release_buffers == 0) SSL_CTX_clear_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (options.ssl_max_send_fragment != -1) {
    SSL_CTX_set_max_send_fragment(ctx, options.ssl_max_send_fragment);
  }
  SSL_CTX_set_read_ahead(ctx, options.ssl_read_ahead ? 1 : 0);
  SSL_CTX_set_default_passwd_cb(ctx, NoPasswordCallback);

  if (!LoadCertificateAndKey(*addon, ctx, options.certificate, options.private_key,
                             options.private_key_password, "certificate", "private_key",
                             &context->certificates_, error) ||
      !LoadCertificateAndKey(*addon, ctx, options.certificate2, options.private_key2,
                             options.private_key_password2, "certificate2", "private_key2",
                             &context->certificates_, error) ||
      !LoadTrust(ctx, addon->LibCtx(), options, error)) {
    return nullptr;
  }

  if (!options.cipher_list.empty()) {
    // TLSv1.3-only methods: the list is TLS 1.3 suites, as Kamailio reads it. Otherwise TLS 1.2
    // ciphers, plus any TLS_* suites given in the same list.
    if (min_version == TLS1_3_VERSION) {
      context->tls13_suites_ = options.cipher_list;
    } else {
      SplitCipherList(options.cipher_list, &context->tls12_ciphers_, &context->tls13_suites_);
    }
    if ((!context->tls12_ciphers_.empty() &&
         SSL_CTX_set_cipher_list(ctx, context->tls12_ciphers_.c_str()) != 1) ||
        (!context->tls13_suites_.empty() &&
         SSL_CTX_set_ciphersuites(ctx, context->tls13_suites_.c_str()) != 1)) {
      *error = OpenSslFailure("ERR_TLS_CIPHER_LIST_INVALID",
                              "no usable cipher in cipher_list", "cipher_list", "");
      error->reason += ": " + options.cipher_list;
      return nullptr;
    }
  }

  // Kamailio's step 6: the legacy flags and verify_client are OR-combined.
  bool require = options.require_certificate || options.verify_client == VerifyClient::kOn;
  bool verify = options.verify_certificate || options.verify_client != VerifyClient::kOff;
  context->verify_mode_ = require ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                          : verify ? SSL_VERIFY_PEER
                                   : SSL_VERIFY_NONE;
  SSL_CTX_set_verify(ctx, context->verify_mode_,
                     options.verify_client == VerifyClient::kOptionalNoCa ? AcceptAnyCertificate
                                                                          : nullptr);
  SSL_CTX_set_verify_depth(ctx, options.verify_depth);

  SSL_CTX_set_session_cache_mode(
      ctx, options.session_cache ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
  // Tickets are the other way to resume (stateless): with session_cache off none are sent,
  // so a TLS 1.3 server skips the two NewSessionTicket messages it would otherwise build,
  // encrypt and send after every handshake (SSL_CTX_set_num_tickets(3), SSL_OP_NO_TICKET
  // for TLS 1.2). Kamailio leaves tickets on; here session_cache decides both.
  if (!options.session_cache) {
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  // The id context is at most 32 bytes (SSL_CTX_set_session_id_context(3)); a longer
  // session_id is cut there instead of being refused (Kamailio ignores the refusal).
  std::string id = options.session_id.empty() ? "sip-tls" : options.session_id;
  if (id.size() > kMaxSessionIdContext) id.resize(kMaxSessionIdContext);
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(id.data()),
                                 static_cast<unsigned int>(id.size()));

  // Every secret this context's sessions derive goes to KeyLogCallback
  // (SSL_CTX_set_keylog_callback(3)): a session that will run its own TLS 1.3 records takes its
  // traffic secrets from there, and with keylog_mode bit 1 the context's KeyLog writes them.
  if (options.keylog.mode & keylog_mode::kInit) {
    context->keylog_ = KeyLog::Open(options.keylog, error);
    if (!context->keylog_) return nullptr;
  }
  SSL_CTX_set_keylog_callback(ctx, KeyLogCallback);

  // The server session pauses here when asked to (SNI-based profile choice).
  SSL_CTX_set_client_hello_cb(ctx, SessionClientHelloCallback, nullptr);
  return context;
}

bool SecureContext::ApplyTo(SSL* ssl, TlsError* error) const {
  ClearErrorsOnEntryAndExit clear_errors;
  SSL_clear_options(ssl, SSL_get_options(ssl));
  SSL_set_options(ssl, SSL_CTX_get_options(ctx_));
  SSL_clear_mode(ssl, SSL_get_mode(ssl));
  SSL_set_mode(ssl, SSL_CTX_get_mode(ctx_));
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx_), SSL_CTX_get_verify_callback(ctx_));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx_));
  SSL_set_security_level(ssl, SSL_CTX_get_security_level(ctx_));
  SSL_set_read_ahead(ssl, SSL_CTX_get_read_ahead(ctx_));
  SSL_set_max_send_fragment(ssl, options_.ssl_max_send_fragment != -1
                                     ? options_.ssl_max_send_fragment
                                     : SSL3_RT_MAX_PLAIN_LENGTH);
  const char* tls12 = tls12_ciphers_.empty() ? OSSL_default_cipher_list() : tls12_ciphers_.c_str();
  const char* tls13 = tls13_suites_.empty() ? OSSL_default_ciphersuites() : tls13_suites_.c_str();
  if (SSL_set_min_proto_version(ssl, min_version_) != 1 ||
      SSL_set_max_proto_version(ssl, max_version_) != 1 ||
      SSL_set_cipher_list(ssl, tls12) != 1 || SSL_set_ciphersuites(ssl, tls13) != 1) {
    *error = TakeOpenSslError("ERR_TLS_CONTEXT_SWITCH_FAILED",
                              "cannot apply the new context's settings");
    return false;
  }
  return true;
}

}  // namespace siptls
