// TlsSessionCore (see tls_session_core.h). Every SSL call is preceded by ClearErrorQueue() and
// followed at once by SSL_get_error(), so a failure is read from this call's errors only.
#include "tls_session_core.h"

#include <arpa/inet.h>

#include <cstring>

#include <openssl/err.h>
#include <openssl/tls1.h>
#include <openssl/x509_vfy.h>

#include "identity_check.h"

namespace siptls {

namespace {

bool IsIpLiteral(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// The first host_name of a server_name extension (RFC 6066 section 3), or "".
std::string ParseServerName(const unsigned char* data, size_t len) {
  if (len < 2) return std::string();
  size_t list_len = (static_cast<size_t>(data[0]) << 8) | data[1];
  if (list_len + 2 > len) return std::string();
  size_t pos = 2;
  while (pos + 3 <= 2 + list_len) {
    unsigned type = data[pos];
    size_t name_len = (static_cast<size_t>(data[pos + 1]) << 8) | data[pos + 2];
    pos += 3;
    if (pos + name_len > 2 + list_len) return std::string();
    if (type == TLSEXT_NAMETYPE_host_name) {
      return std::string(reinterpret_cast<const char*>(data + pos), name_len);
    }
    pos += name_len;
  }
  return std::string();
}

}  // namespace

int SessionClientHelloCallback(SSL* ssl, int*, void*) {
  TlsSessionCore* session = static_cast<TlsSessionCore*>(SSL_get_app_data(ssl));
  if (session == nullptr) return SSL_CLIENT_HELLO_SUCCESS;
  return session->OnClientHello(ssl);
}

// No JS may run inside an SSL call, so the profile choice for SNI happens between two calls:
// the first time, the callback records the SNI and returns SSL_CLIENT_HELLO_RETRY, which makes
// SSL_do_handshake return SSL_ERROR_WANT_CLIENT_HELLO_CB; the owner switches the context and
// calls again, and the callback (run again) lets the handshake go on.
// See SSL_CTX_set_client_hello_cb(3).
int TlsSessionCore::OnClientHello(SSL* ssl) {
  if (hello_ == HelloState::kPaused) {
    hello_ = HelloState::kResumed;
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  if (hello_ == HelloState::kResumed) return SSL_CLIENT_HELLO_SUCCESS;  // e.g. after an HRR
  const unsigned char* ext = nullptr;
  size_t ext_len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len) == 1) {
    server_name_ = ParseServerName(ext, ext_len);
  }
  if (pause_on_sni_ && !server_name_.empty()) {
    hello_ = HelloState::kPaused;
    return SSL_CLIENT_HELLO_RETRY;
  }
  hello_ = HelloState::kResumed;
  return SSL_CLIENT_HELLO_SUCCESS;
}

int SessionIdentityVerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsSessionCore* session =
      ssl == nullptr ? nullptr : static_cast<TlsSessionCore*>(SSL_get_app_data(ssl));
  if (session == nullptr) return preverify_ok;
  return session->OnVerify(preverify_ok, store);
}

// The identity check runs in the verify callback, while the client processes the server's
// Certificate message: a mismatch makes SSL_do_handshake fail there, so the client sends an
// alert instead of its Finished, and no queued SIP data can ever be encrypted for that server.
// A check after SSL_do_handshake returned 1 would come after our Finished was already queued.
// The callback only runs with SSL_VERIFY_PEER, so a session whose profile does not verify gets
// SSL_VERIFY_PEER here and OnVerify accepts chain errors exactly as SSL_VERIFY_NONE would (they
// stay readable through SSL_get_verify_result). See SSL_set_verify(3).
int TlsSessionCore::OnVerify(int preverify_ok, X509_STORE_CTX* store) {
  IdentityCheck& check = *identity_;
  int ok = check.base_verify_callback != nullptr ? check.base_verify_callback(preverify_ok, store)
                                                 : preverify_ok;
  if (check.base_verify_mode == SSL_VERIFY_NONE) ok = 1;
  if (!ok || check.checked || X509_STORE_CTX_get_error_depth(store) != 0) return ok;
  check.checked = true;
  std::string held;
  if (CertificateMatchesSipIdentity(X509_STORE_CTX_get_current_cert(store), check.expected, &held)) {
    return ok;
  }
  check.mismatch = MakeError("ERR_TLS_IDENTITY_MISMATCH",
                             "the server certificate does not name the expected SIP identity '" +
                                 check.expected + "' (RFC 5922): it holds " + held);
  X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
  return 0;
}

TlsSessionCore::TlsSessionCore(std::shared_ptr<SecureContext> context,
                               const SessionOptions& options)
    : initial_context_(context),
      context_(context),
      addon_(context->Addon()),
      ciphertext_(&addon_->Pool()),
      cleartext_(&addon_->Pool()),
      role_(options.role),
      pause_on_sni_(options.role == SessionRole::kServer && options.pause_on_sni),
      own_records_(options.own_records) {
  if (options.role == SessionRole::kClient && !options.identity.empty()) {
    identity_ = std::make_unique<IdentityCheck>();
    identity_->expected = options.identity;
  }
}

std::unique_ptr<TlsSessionCore> TlsSessionCore::Create(std::shared_ptr<SecureContext> context,
                                                       const SessionOptions& options,
                                                       TlsError* error) {
  ClearErrorsOnEntryAndExit clear_errors;
  std::unique_ptr<TlsSessionCore> session(new TlsSessionCore(context, options));
  SSL* ssl = SSL_new(context->Ctx());
  if (ssl == nullptr) {
    *error = TakeOpenSslError("ERR_TLS_SESSION_FAILED", "cannot create the SSL");
    return nullptr;
  }
  BIO* bio = NewMemBio(session->addon_->MemBioMethod(), &session->ciphertext_);
  if (bio == nullptr) {
    SSL_free(ssl);
    *error = TakeOpenSslError("ERR_TLS_SESSION_FAILED", "cannot create the memory BIO");
    return nullptr;
  }
  // One BIO both ways: SSL_set_bio takes over its single reference. See SSL_set_bio(3).
  SSL_set_bio(ssl, bio, bio);
  SSL_set_app_data(ssl, session.get());
  session->ssl_ = ssl;
  if (options.role == SessionRole::kServer) {
    SSL_set_accept_state(ssl);
    return session;
  }
  SSL_set_connect_state(ssl);
  if (session->identity_) {
    session->identity_->base_verify_mode = SSL_get_verify_mode(ssl);
    session->identity_->base_verify_callback = SSL_get_verify_callback(ssl);
    SSL_set_verify(ssl, session->identity_->base_verify_mode | SSL_VERIFY_PEER,
                   SessionIdentityVerifyCallback);
  }
  if (!options.server_name.empty() && !IsIpLiteral(options.server_name)) {
    if (SSL_set_tlsext_host_name(ssl, options.server_name.c_str()) != 1) {
      *error = TakeOpenSslError("ERR_TLS_INVALID_SERVER_NAME", "OpenSSL refuses the server name");
      error->parameter = "server_name";
      return nullptr;
    }
    session->server_name_ = options.server_name;
  }
  return session;
}

TlsSessionCore::~TlsSessionCore() { Close(); }

void TlsSessionCore::Close() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // frees the BIO too
    ssl_ = nullptr;
  }
  records_.reset();
  secrets_.reset();
  facts_.reset();
  ciphertext_.Clear();
  cleartext_.Clear();
}

void TlsSessionCore::Hibernate() {
  if (records_) records_->Hibernate();
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// NSS key log lines: "<LABEL> <client random, hex> <secret, hex>". Only the two application
// traffic secrets are kept; the other labels carry nothing the record layer needs.
void TlsSessionCore::OnKeyLogLine(const char* line) {
  if (!own_records_ || HandshakeDone()) return;
  static const char kClient[] = "CLIENT_TRAFFIC_SECRET_0 ";
  static const char kServer[] = "SERVER_TRAFFIC_SECRET_0 ";
  bool client = std::strncmp(line, kClient, sizeof(kClient) - 1) == 0;
  if (!client && std::strncmp(line, kServer, sizeof(kServer) - 1) != 0) return;
  const char* hex = std::strchr(line + sizeof(kClient) - 1, ' ');
  if (hex == nullptr) return;
  hex++;
  size_t hex_len = std::strlen(hex);
  size_t len = hex_len / 2;
  if (hex_len % 2 != 0 || len == 0 || len > kTls13MaxHashLength) return;
  if (!secrets_) secrets_ = std::make_unique<TrafficSecrets>();
  uint8_t* secret = client ? secrets_->client : secrets_->server;
  for (size_t i = 0; i < len; i++) {
    int high = HexDigit(hex[2 * i]);
    int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      secrets_.reset();
      return;
    }
    secret[i] = static_cast<uint8_t>(high << 4 | low);
  }
  secrets_->length = len;
  (client ? secrets_->have_client : secrets_->have_server) = true;
}

void TlsSessionCore::TakeOverRecords() {
  std::unique_ptr<TrafficSecrets> secrets = std::move(secrets_);
  if (!secrets || !secrets->have_client || !secrets->have_server) return;
  // A record OpenSSL has read ahead cannot be moved; session tickets a server sent would have
  // used write sequence numbers this layer cannot know.
  if (SSL_version(ssl_) != TLS1_3_VERSION || SSL_has_pending(ssl_) ||
      (role_ == SessionRole::kServer && SSL_get_num_tickets(ssl_) != 0)) {
    return;
  }
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  const Tls13Suite* suite = cipher != nullptr ? FindTls13Suite(SSL_CIPHER_get_protocol_id(cipher)) : nullptr;
  if (suite == nullptr || secrets->length != suite->hash_len) return;
  int fragment = context_->Options().ssl_max_send_fragment;
  bool client = role_ == SessionRole::kClient;
  TlsError error;
  std::unique_ptr<Tls13Records> records = Tls13Records::Create(
      addon_, *suite, client, client ? secrets->server : secrets->client,
      client ? secrets->client : secrets->server,
      fragment > 0 ? static_cast<size_t>(fragment) : size_t{16384}, &error);
  if (!records) {
    ClearErrorQueue();  // OpenSSL goes on with the connection
    return;
  }
  facts_ = std::make_unique<HandshakeFacts>(HandshakeFacts{Facts(), PeerCertificate()});
  records_ = std::move(records);
  identity_.reset();
  SSL_free(ssl_);  // the SSL, its BIO, cipher contexts, session and key shares
  ssl_ = nullptr;
}

uint32_t TlsSessionCore::Status() const {
  if (IsClosed()) return status::kClosed | status::kError;
  uint32_t bits = sticky_;
  if (ciphertext_.OutputSize() > 0) bits |= status::kHasCiphertext;
  if (!cleartext_.Empty()) bits |= status::kWantWrite;
  if (!(bits & (status::kHandshakeDone | status::kError | status::kNeedContext))) {
    bits |= status::kWantRead;
  }
  return bits;
}

uint32_t TlsSessionCore::Refuse(const char* code, const char* reason) {
  if (IsClosed()) {
    error_ = std::make_unique<TlsError>(MakeError("ERR_TLS_SESSION_CLOSED", "the session is closed"));
    return Status();
  }
  return Fail(MakeError(code, reason));
}

uint32_t TlsSessionCore::Fail(TlsError error) {
  if (!(sticky_ & status::kError)) error_ = std::make_unique<TlsError>(std::move(error));
  sticky_ |= status::kError;
  sticky_ &= ~status::kNeedContext;
  cleartext_.Clear();
  return Status();
}

uint32_t TlsSessionCore::FailFromSsl(int ssl_error, const char* fallback_code,
                                     const char* fallback_reason) {
  TlsError error = TakeOpenSslError(fallback_code, fallback_reason);
  if (ssl_error == SSL_ERROR_SYSCALL && error.code == fallback_code) {
    error.reason += " (the memory BIO could not take the output)";
  }
  long verify_result = SSL_get_verify_result(ssl_);
  if (verify_result != X509_V_OK && error.code == "ERR_SSL_CERTIFICATE_VERIFY_FAILED") {
    error.verify_result = verify_result;
  }
  return Fail(std::move(error));
}

uint32_t TlsSessionCore::DriveHandshake() {
  sticky_ &= ~status::kNeedContext;  // set again below if the ClientHello callback pauses
  ClearErrorQueue();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    sticky_ |= status::kHandshakeDone;
    // Before any application data is written: the record layer starts at sequence number 0.
    if (own_records_) TakeOverRecords();
    return FlushQueuedCleartext();
  }
  int ssl_error = SSL_get_error(ssl_, result);
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return Status();
    case SSL_ERROR_WANT_CLIENT_HELLO_CB:
      ClearErrorQueue();
      sticky_ |= status::kNeedContext;
      return Status();
    case SSL_ERROR_ZERO_RETURN:
      sticky_ |= status::kPeerClosed;
      ClearErrorQueue();
      return Fail(MakeError("ERR_TLS_HANDSHAKE_CLOSED", "the peer closed during the handshake"));
    default:
      if (identity_ && identity_->mismatch.IsSet()) {
        ClearErrorQueue();
        return Fail(identity_->mismatch);
      }
      return FailFromSsl(ssl_error, "ERR_TLS_HANDSHAKE_FAILED", "the handshake failed");
  }
}

uint32_t TlsSessionCore::FlushQueuedCleartext() {
  while (!cleartext_.Empty()) {
    ByteSpan span;
    cleartext_.Peek(&span, 1);
    size_t written = 0;
    uint32_t bits = EncryptSome(span.data, span.len, &written);
    cleartext_.Consume(written);
    if ((bits & status::kError) || written < span.len) return bits;
  }
  return Status();
}

uint32_t TlsSessionCore::EncryptAll(const uint8_t* data, size_t len) {
  size_t written = 0;
  uint32_t bits = EncryptSome(data, len, &written);
  if ((bits & status::kError) || written == len) return bits;
  if (!cleartext_.Append(data + written, len - written)) {
    return Fail(MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue clear text"));
  }
  return Status();
}

// SSL_write_ex until all is written or OpenSSL needs the peer first (SSL_ERROR_WANT_READ during
// a renegotiation); `*written` says how far it got.
uint32_t TlsSessionCore::EncryptSome(const uint8_t* data, size_t len, size_t* written) {
  *written = 0;
  if (records_) {
    TlsError error;
    if (!records_->Write(&ciphertext_, data, len, &error)) return Fail(std::move(error));
    *written = len;
    return Status();
  }
  while (*written < len) {
    ClearErrorQueue();
    size_t n = 0;
    int result = SSL_write_ex(ssl_, data + *written, len - *written, &n);
    if (result == 1) {
      *written += n;
      continue;
    }
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error == SSL_ERROR_WANT_READ) {
      ClearErrorQueue();
      return Status();
    }
    return FailFromSsl(ssl_error, "ERR_TLS_WRITE_FAILED", "SSL_write failed");
  }
  return Status();
}

uint32_t TlsSessionCore::DecryptRecords(uint8_t* out, size_t out_cap, size_t* out_len) {
  bool more = false;
  TlsError error;
  Tls13Records::ReadOutcome outcome = records_->Read(&ciphertext_, out, out_cap, out_len, &more, &error);
  uint32_t bits = *out_len > 0 ? status::kHasPlaintext : 0;
  // A fatal record error has queued its alert: the owner sends it as it closes.
  if (outcome == Tls13Records::ReadOutcome::kError) return bits | Fail(std::move(error));
  if (outcome == Tls13Records::ReadOutcome::kPeerClosed) sticky_ |= status::kPeerClosed;
  if (more) bits |= status::kMorePlaintext;
  return bits | Status();
}

uint32_t TlsSessionCore::DecryptInto(uint8_t* out, size_t out_cap, size_t* out_len) {
  if (records_) return DecryptRecords(out, out_cap, out_len);
  size_t total = 0;
  uint32_t bits = 0;
  while (total < out_cap) {
    ClearErrorQueue();
    size_t read = 0;
    int result = SSL_read_ex(ssl_, out + total, out_cap - total, &read);
    if (result == 1) {
      total += read;
      continue;
    }
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) break;
    if (ssl_error == SSL_ERROR_ZERO_RETURN) {
      sticky_ |= status::kPeerClosed;
      ClearErrorQueue();
      break;
    }
    *out_len = total;
    return (total > 0 ? status::kHasPlaintext : 0) |
           FailFromSsl(ssl_error, "ERR_TLS_READ_FAILED", "SSL_read failed");
  }
  *out_len = total;
  if (total > 0) bits |= status::kHasPlaintext;
  if (total == out_cap && !(sticky_ & status::kPeerClosed) &&
      (SSL_pending(ssl_) > 0 || ciphertext_.InputSize() > 0)) {
    bits |= status::kMorePlaintext;
  }
  // A record read may have queued a reply (KeyUpdate, renegotiation), and queued clear text
  // may now be sendable.
  if (!cleartext_.Empty() && !SSL_in_init(ssl_)) bits |= FlushQueuedCleartext();
  return bits | Status();
}

uint32_t TlsSessionCore::Feed(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap,
                              size_t* out_len) {
  ClearErrorsOnEntryAndExit clear_errors;
  *out_len = 0;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if (sticky_ & status::kError) return Status();
  // Read in place unless older bytes wait (they come first); the rest is kept below.
  if (ciphertext_.InputSize() == 0) {
    ciphertext_.LendInput(in, in_len);
  } else if (!ciphertext_.QueueInput(in, in_len)) {
    return Fail(MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue ciphertext"));
  }
  uint32_t bits = DriveFed(out, out_cap, out_len);
  if (!ciphertext_.KeepLentInput()) {
    return bits | Fail(MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue ciphertext"));
  }
  return bits;
}

uint32_t TlsSessionCore::DriveFed(uint8_t* out, size_t out_cap, size_t* out_len) {
  if (!HandshakeDone()) {
    uint32_t bits = DriveHandshake();
    if (!HandshakeDone()) return bits;
  }
  return DecryptInto(out, out_cap, out_len);
}

uint32_t TlsSessionCore::Read(uint8_t* out, size_t out_cap, size_t* out_len) {
  ClearErrorsOnEntryAndExit clear_errors;
  *out_len = 0;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if ((sticky_ & status::kError) || !HandshakeDone()) return Status();
  return DecryptInto(out, out_cap, out_len);
}

uint32_t TlsSessionCore::Write(const uint8_t* data, size_t len) {
  ByteSpan part{data, len};
  return WriteV(&part, 1);
}

uint32_t TlsSessionCore::WriteV(const ByteSpan* parts, size_t count) {
  ClearErrorsOnEntryAndExit clear_errors;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if (sticky_ & status::kError) return Status();
  if (sticky_ & status::kShutdownSent) {
    return Fail(MakeError("ERR_TLS_WRITE_AFTER_SHUTDOWN", "write after close_notify was sent"));
  }
  if (!HandshakeDone() || !cleartext_.Empty()) {
    for (size_t i = 0; i < count; i++) {
      if (!cleartext_.Append(parts[i].data, parts[i].len)) {
        return Fail(MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue clear text"));
      }
    }
    // A client's first write starts its handshake (the ClientHello goes out).
    if (!HandshakeDone() && !(sticky_ & status::kNeedContext)) return DriveHandshake();
    return Status();
  }
  if (count == 1) return EncryptAll(parts[0].data, parts[0].len);
  // Pack small messages into records of up to 16 KiB, as nginx's ngx_ssl_send_chain does:
  // fewer records, fewer MACs, fewer bytes on the wire.
  // The stage is the environment's one record buffer: WriteV never runs inside another.
  uint8_t* stage = addon_->RecordStage();
  constexpr size_t limit = AddonData::kRecordStageSize;
  size_t staged = 0;
  uint32_t bits = 0;
  for (size_t i = 0; i < count && !(bits & status::kError); i++) {
    const uint8_t* data = parts[i].data;
    size_t left = parts[i].len;
    while (left > 0 && !(bits & status::kError)) {
      if (staged == 0 && left >= limit) {  // big enough on its own: no copy
        bits = EncryptAll(data, left);
        left = 0;
        break;
      }
      size_t n = limit - staged < left ? limit - staged : left;
      std::memcpy(stage + staged, data, n);
      staged += n;
      data += n;
      left -= n;
      if (staged == limit) {
        bits = EncryptAll(stage, staged);
        staged = 0;
      }
    }
  }
  if (staged > 0 && !(bits & status::kError)) bits = EncryptAll(stage, staged);
  return bits | Status();
}

uint32_t TlsSessionCore::Shutdown() {
  ClearErrorsOnEntryAndExit clear_errors;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if (sticky_ & (status::kShutdownSent | status::kError)) return Status();
  sticky_ |= status::kShutdownSent;
  cleartext_.Clear();
  // No close_notify before the handshake has finished: there is no connection to close.
  if (!HandshakeDone()) return Status();
  if (records_) {
    TlsError error;
    return records_->SendCloseNotify(&ciphertext_, &error) ? Status() : Fail(std::move(error));
  }
  ClearErrorQueue();
  int result = SSL_shutdown(ssl_);
  if (result < 0) {
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) {
      return FailFromSsl(ssl_error, "ERR_TLS_SHUTDOWN_FAILED", "SSL_shutdown failed");
    }
  }
  ClearErrorQueue();
  return Status();
}

bool TlsSessionCore::SetContext(std::shared_ptr<SecureContext> context, TlsError* error) {
  if (IsClosed()) {
    *error = MakeError("ERR_TLS_SESSION_CLOSED", "the session is closed");
    return false;
  }
  if (ssl_ == nullptr || (!(sticky_ & status::kNeedContext) && !SSL_in_before(ssl_))) {
    *error = MakeError("ERR_TLS_CONTEXT_SWITCH_STATE",
                       "the context can change only at ClientHello (NEED_CONTEXT) or before the "
                       "handshake");
    return false;
  }
  if (context->Addon() != addon_) {
    *error = MakeError("ERR_TLS_CONTEXT_SWITCH_STATE",
                       "the context belongs to another thread's module instance");
    return false;
  }
  if (context == context_) return true;
  ClearErrorsOnEntryAndExit clear_errors;
  if (SSL_set_SSL_CTX(ssl_, context->Ctx()) == nullptr) {
    *error = TakeOpenSslError("ERR_TLS_CONTEXT_SWITCH_FAILED", "SSL_set_SSL_CTX failed");
    return false;
  }
  if (!context->ApplyTo(ssl_, error)) return false;
  context_ = std::move(context);
  return true;
}

uint32_t TlsSessionCore::Renegotiate() {
  ClearErrorsOnEntryAndExit clear_errors;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if ((sticky_ & status::kError) || !HandshakeDone()) return Status();
  if (records_ || SSL_version(ssl_) >= TLS1_3_VERSION) return KeyUpdate();
  ClearErrorQueue();
  if (SSL_renegotiate(ssl_) != 1) {
    return FailFromSsl(SSL_ERROR_SSL, "ERR_TLS_RENEGOTIATION_REFUSED",
                       "renegotiation is not allowed");
  }
  ClearErrorQueue();
  int result = SSL_do_handshake(ssl_);
  int ssl_error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, result);
  if (ssl_error != SSL_ERROR_NONE && ssl_error != SSL_ERROR_WANT_READ) {
    return FailFromSsl(ssl_error, "ERR_TLS_RENEGOTIATION_FAILED", "renegotiation failed");
  }
  return Status();
}

uint32_t TlsSessionCore::KeyUpdate() {
  ClearErrorsOnEntryAndExit clear_errors;
  if (IsClosed()) return Refuse("ERR_TLS_SESSION_CLOSED", "the session is closed");
  if ((sticky_ & status::kError) || !HandshakeDone()) return Status();
  if (records_) {
    TlsError error;
    return records_->SendKeyUpdate(&ciphertext_, true, &error) ? Status() : Fail(std::move(error));
  }
  if (SSL_version(ssl_) < TLS1_3_VERSION) {
    return Fail(MakeError("ERR_TLS_KEY_UPDATE_UNSUPPORTED", "KeyUpdate needs TLS 1.3"));
  }
  ClearErrorQueue();
  // SSL_key_update only schedules the message; SSL_do_handshake sends it. See SSL_key_update(3).
  if (SSL_key_update(ssl_, SSL_KEY_UPDATE_REQUESTED) != 1) {
    return FailFromSsl(SSL_ERROR_SSL, "ERR_TLS_KEY_UPDATE_FAILED", "SSL_key_update failed");
  }
  ClearErrorQueue();
  int result = SSL_do_handshake(ssl_);
  if (result != 1) {
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error != SSL_ERROR_WANT_READ) {
      return FailFromSsl(ssl_error, "ERR_TLS_KEY_UPDATE_FAILED", "KeyUpdate failed");
    }
  }
  return Status();
}

bool TlsSessionCore::UseDirectOutput(uint8_t* scratch, size_t cap) {
  if (IsClosed() || ciphertext_.OutputSize() != 0) return false;
  ciphertext_.UseDirectOutput(scratch, cap);
  return true;
}

uint32_t TlsSessionCore::SpillDirectOutput() {
  if (ciphertext_.SpillDirectOutput()) return Status();
  return Fail(MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue ciphertext"));
}

size_t TlsSessionCore::PendingCiphertext() const { return ciphertext_.OutputSize(); }

size_t TlsSessionCore::PeekCiphertext(ByteSpan* spans, size_t max_spans) const {
  return ciphertext_.PeekOutput(spans, max_spans);
}

void TlsSessionCore::ConsumeCiphertext(size_t len) { ciphertext_.ConsumeOutput(len); }

size_t TlsSessionCore::TakeCiphertext(uint8_t* out, size_t cap) {
  return ciphertext_.TakeOutput(out, cap);
}

size_t TlsSessionCore::QueuedCleartext() const { return cleartext_.Size(); }

TlsError TlsSessionCore::TakeError() {
  if (!error_) return TlsError();
  TlsError error = std::move(*error_);
  error_.reset();
  return error;
}

SessionFacts TlsSessionCore::Facts() const {
  if (facts_) return facts_->session;
  SessionFacts facts;
  facts.server_name = server_name_;
  if (ssl_ == nullptr || !HandshakeDone()) return facts;
  facts.version = SSL_get_version(ssl_);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  if (cipher != nullptr) {
    facts.cipher = SSL_CIPHER_get_name(cipher);
    facts.cipher_bits = SSL_CIPHER_get_bits(cipher, nullptr);
    char description[256];
    if (SSL_CIPHER_description(cipher, description, sizeof(description)) != nullptr) {
      facts.description = description;
    }
  }
  facts.verify_result = SSL_get_verify_result(ssl_);
  facts.verify_error = X509_verify_cert_error_string(facts.verify_result);
  facts.peer_certificate = SSL_get0_peer_certificate(ssl_) != nullptr;
  facts.verified = facts.peer_certificate && facts.verify_result == X509_V_OK;
  facts.revoked = facts.verify_result == X509_V_ERR_CERT_REVOKED;
  facts.expired = facts.verify_result == X509_V_ERR_CERT_HAS_EXPIRED;
  facts.self_signed = facts.verify_result == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
  return facts;
}

CertificateFacts TlsSessionCore::PeerCertificate() const {
  if (facts_) return facts_->peer;
  if (ssl_ == nullptr) return CertificateFacts();
  return DescribeCertificate(SSL_get0_peer_certificate(ssl_));
}

HandshakeFacts TlsSessionCore::TakeHandshakeFacts() {
  if (!facts_) return HandshakeFacts{Facts(), PeerCertificate()};
  HandshakeFacts facts = std::move(*facts_);
  facts_.reset();
  return facts;
}

CertificateFacts TlsSessionCore::OwnCertificate() const {
  if (ssl_ == nullptr) return CertificateFacts();
  return DescribeCertificate(SSL_get_certificate(ssl_));
}

}  // namespace siptls
