// TlsSessionCore: one TLS connection's SSL over the memory BIO, in plain C++ (no N-API).
//
// The owner (the JS wrapper TlsSession, or the transport's socket code) moves bytes:
//   ciphertext from the peer  -> Feed()            -> clear text into the caller's buffer
//   clear text to send        -> Write()/WriteV()  -> ciphertext queued in the session
//   queued ciphertext         -> PeekCiphertext()/ConsumeCiphertext() or TakeCiphertext()
// Every driving call returns the status bits below; the session never calls out (no callback
// into JS or the transport runs inside an SSL call). Failures are values: kError, then Error().
//
// Single-threaded: a session is used from one thread at a time. Not copyable.
#ifndef SIPTLS_TLS_SESSION_CORE_H_
#define SIPTLS_TLS_SESSION_CORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "buffer_pool.h"
#include "long_lived.h"
#include "mem_bio.h"
#include "secure_context.h"
#include "ssl_error.h"
#include "tls13_records.h"
#include "x509_info.h"

namespace siptls {

// Status bits (also exported to JS as SessionStatus).
namespace status {
constexpr uint32_t kHandshakeDone = 1u << 0;   // handshake complete (stays set)
constexpr uint32_t kHasPlaintext = 1u << 1;    // this call wrote clear text to the out buffer
constexpr uint32_t kHasCiphertext = 1u << 2;   // ciphertext is queued: send it to the peer
constexpr uint32_t kPeerClosed = 1u << 3;      // the peer sent close_notify (stays set)
constexpr uint32_t kError = 1u << 4;           // fatal: Error() says why; only Close() is left
constexpr uint32_t kWantRead = 1u << 5;        // more ciphertext from the peer is needed
constexpr uint32_t kWantWrite = 1u << 6;       // clear text written before the handshake ended
                                               // waits in the session (QueuedCleartext() bytes)
constexpr uint32_t kMorePlaintext = 1u << 7;   // the out buffer filled up: call Read() again
constexpr uint32_t kNeedContext = 1u << 8;     // server paused at ClientHello (SNI in
                                               // ServerName()): SetContext() or not, then Feed()
constexpr uint32_t kShutdownSent = 1u << 9;    // our close_notify is queued (stays set)
constexpr uint32_t kClosed = 1u << 10;         // Close() was called; the SSL is gone
}  // namespace status

enum class SessionRole { kClient, kServer };

struct SessionOptions {
  SessionRole role = SessionRole::kServer;
  // Client: the SNI to send ("" = none; IP literals are never sent, RFC 6066 section 3).
  std::string server_name;
  // Server: pause at a ClientHello that carries SNI, reporting kNeedContext, so the owner can
  // pick the profile for that name before the handshake goes on.
  bool pause_on_sni = false;
  // Client: the SIP domain (or IP literal) the server certificate must name, checked during the
  // handshake by RFC 5922 section 7 (identity_check.h); "" = no check. A mismatch fails the
  // handshake with ERR_TLS_IDENTITY_MISMATCH.
  std::string identity;
  // Once a TLS 1.3 handshake is done, run the record layer here (tls13_records.h) and free the
  // SSL, when the connection allows it (see TlsSessionCore::TakeOverRecords). The facts of the
  // handshake are then kept until TakeHandshakeFacts().
  bool own_records = false;
};

// Negotiated facts of an established session (empty strings before the handshake).
struct SessionFacts {
  std::string version;      // "TLSv1.3"
  std::string cipher;       // "TLS_AES_256_GCM_SHA384"
  int cipher_bits = 0;
  std::string description;  // SSL_CIPHER_description(), ends in "\n" as Kamailio shows it
  std::string server_name;  // SNI sent (client) or received (server)
  long verify_result = -1;  // SSL_get_verify_result(); X509_V_OK = 0
  std::string verify_error; // X509_verify_cert_error_string(verify_result)
  bool peer_certificate = false;
  bool verified = false;    // a peer certificate was presented and verified (X509_V_OK)
  bool revoked = false;     // verify_result == X509_V_ERR_CERT_REVOKED
  bool expired = false;     // verify_result == X509_V_ERR_CERT_HAS_EXPIRED
  bool self_signed = false; // verify_result == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
};

// What is known of a handshake once it is done (the transport's kSecure event).
struct HandshakeFacts {
  SessionFacts session;
  CertificateFacts peer;
};

// The ClientHello callback every SecureContext installs (SSL_CTX_set_client_hello_cb(3)). It acts
// only for server sessions made with pause_on_sni; see TlsSessionCore::Feed and kNeedContext.
int SessionClientHelloCallback(SSL* ssl, int* alert, void* arg);

// The verify callback of client sessions made with an `identity` (SSL_set_verify(3)).
int SessionIdentityVerifyCallback(int preverify_ok, X509_STORE_CTX* store);

class TlsSessionCore {
 public:
  SIPTLS_LONG_LIVED_OBJECT

  // Makes the SSL in `context` for one connection. Returns nullptr and fills `*error` if
  // OpenSSL cannot (out of memory, bad SNI value).
  static std::unique_ptr<TlsSessionCore> Create(std::shared_ptr<SecureContext> context,
                                                const SessionOptions& options, TlsError* error);
  ~TlsSessionCore();
  TlsSessionCore(const TlsSessionCore&) = delete;
  TlsSessionCore& operator=(const TlsSessionCore&) = delete;

  // Queues `in_len` bytes of ciphertext (may be 0: a client's first call sends the ClientHello;
  // after kNeedContext it resumes), drives the handshake, flushes clear text that waited for it,
  // then decrypts into `out` (up to `out_cap` bytes; `*out_len` = bytes written).
  // `in` is read in place and what the SSL leaves unread is copied before Feed() returns.
  uint32_t Feed(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap, size_t* out_len);
  // Decrypts more already-fed ciphertext into `out` (after kMorePlaintext).
  uint32_t Read(uint8_t* out, size_t out_cap, size_t* out_len);

  // Encrypts `len` bytes (all of them; the output queue grows as needed). Before the handshake
  // has finished the bytes are queued (kWantWrite) and sent once it has.
  uint32_t Write(const uint8_t* data, size_t len);
  // Writes several buffers, packed into as few TLS records as possible (up to 16 KiB each).
  uint32_t WriteV(const ByteSpan* parts, size_t count);

  // Queues our close_notify (SSL_shutdown(3), one-way). Further writes fail.
  uint32_t Shutdown();

  // Switches to `context` while paused at ClientHello (kNeedContext) or before the handshake
  // starts. The new context's certificate, key and verify settings apply to this handshake.
  // Returns false and fills `*error` when the state does not allow it or OpenSSL refuses.
  bool SetContext(std::shared_ptr<SecureContext> context, TlsError* error);

  // TLS <= 1.2: starts a renegotiation (SSL_renegotiate(3)); TLS 1.3: sends a KeyUpdate that
  // asks the peer to update too (SSL_key_update(3)). Returns the status after queuing it.
  uint32_t Renegotiate();
  uint32_t KeyUpdate();

  // Frees the SSL and every queued block now. Idempotent. All later calls report kClosed|kError.
  void Close();

  // Current status bits, without doing anything.
  uint32_t Status() const;
  bool IsClosed() const { return ssl_ == nullptr && !records_; }
  // Whether the record layer runs here (the SSL is gone): see SessionOptions::own_records.
  bool OwnsRecords() const { return records_ != nullptr; }
  // Frees what an idle connection does not need until its next record (the expanded keys of
  // the record layer run here). Nothing changes for the peer.
  void Hibernate();
  // A line OpenSSL's key log callback gives for this session's SSL (SSL_CTX_set_keylog_callback(3)):
  // the traffic secrets the record layer starts from are kept until the handshake ends.
  void OnKeyLogLine(const char* line);

  // Lets the records of the following calls go into `scratch` (`cap` bytes) instead of pool
  // blocks while nothing older waits, until SpillDirectOutput() (see MemBioBuffers). The owner
  // sends from the views PeekCiphertext() gives, and spills before `scratch` is reused or an
  // asynchronous write needs the bytes to stay put. False (scratch not taken) while older output
  // waits, in an earlier scratch or the queue.
  bool UseDirectOutput(uint8_t* scratch, size_t cap);
  // Ends writing into the scratch; what it holds waits there to be sent (MemBioBuffers).
  // Returns the scratch bytes in use.
  size_t FreezeDirectOutput() { return ciphertext_.FreezeDirectOutput(); }
  // Moves the unsent direct bytes into the queue. Returns the status (kError when out of memory).
  uint32_t SpillDirectOutput();

  // Ciphertext waiting to be sent.
  size_t PendingCiphertext() const;
  // Zero-copy views of the queued ciphertext (valid until the next call on this session).
  size_t PeekCiphertext(ByteSpan* spans, size_t max_spans) const;
  void ConsumeCiphertext(size_t len);
  // Copies up to `cap` bytes of queued ciphertext into `out` and drops them; returns the count.
  size_t TakeCiphertext(uint8_t* out, size_t cap);

  // Clear text waiting for the handshake (the kWantWrite bytes).
  size_t QueuedCleartext() const;

  // The error that set kError (code "" if none), and clears it.
  TlsError TakeError();

  SessionRole Role() const { return role_; }
  // SNI sent (client) or received (server; known from kNeedContext on, or after the handshake).
  const std::string& ServerName() const { return server_name_; }
  SessionFacts Facts() const;
  CertificateFacts PeerCertificate() const;
  // Facts() and PeerCertificate() for the owner's event, once: kept facts are let go.
  HandshakeFacts TakeHandshakeFacts();
  CertificateFacts OwnCertificate() const;
  // The context in use now (the switched-to one after SetContext()).
  const std::shared_ptr<SecureContext>& Context() const { return context_; }

 private:
  TlsSessionCore(std::shared_ptr<SecureContext> context, const SessionOptions& options);

  bool HandshakeDone() const { return (sticky_ & status::kHandshakeDone) != 0; }
  uint32_t DriveHandshake();
  uint32_t FlushQueuedCleartext();
  uint32_t EncryptAll(const uint8_t* data, size_t len);
  uint32_t EncryptSome(const uint8_t* data, size_t len, size_t* written);
  uint32_t DecryptInto(uint8_t* out, size_t out_cap, size_t* out_len);
  uint32_t DecryptRecords(uint8_t* out, size_t out_cap, size_t* out_len);
  uint32_t DriveFed(uint8_t* out, size_t out_cap, size_t* out_len);
  // At the end of a TLS 1.3 handshake: the record layer moves here and the SSL is freed, when
  // the suite is one of Tls13Records', OpenSSL holds no unread record (no read-ahead), a server
  // sent no session tickets, and the traffic secrets were captured. Otherwise OpenSSL goes on.
  void TakeOverRecords();
  uint32_t Refuse(const char* code, const char* reason);
  uint32_t Fail(TlsError error);
  uint32_t FailFromSsl(int ssl_error, const char* fallback_code, const char* fallback_reason);
  int OnClientHello(SSL* ssl);
  friend int SessionClientHelloCallback(SSL* ssl, int* alert, void* arg);
  int OnVerify(int preverify_ok, X509_STORE_CTX* store);
  friend int SessionIdentityVerifyCallback(int preverify_ok, X509_STORE_CTX* store);

  std::shared_ptr<SecureContext> initial_context_;  // SSL_new's ctx (still its session_ctx)
  std::shared_ptr<SecureContext> context_;
  std::shared_ptr<AddonData> addon_;
  SSL* ssl_ = nullptr;
  MemBioBuffers ciphertext_;  // from the peer (read by the BIO) and for the peer (written by it)
  BlockQueue cleartext_;      // clear text waiting for the handshake
  SessionRole role_;
  bool pause_on_sni_;
  std::string server_name_;
  // Held apart: a session's error is rare, and its strings would cost every idle session.
  std::unique_ptr<TlsError> error_;
  uint32_t sticky_ = 0;    // kHandshakeDone | kPeerClosed | kShutdownSent | kError | kNeedContext
  enum class HelloState { kWaiting, kPaused, kResumed } hello_ = HelloState::kWaiting;
  // RFC 5922 identity check (client): the expected identity, the context's own verify mode and
  // callback (which OnVerify keeps honouring), and the mismatch found, if any.
  struct IdentityCheck {
    std::string expected;
    int base_verify_mode = SSL_VERIFY_NONE;
    SSL_verify_cb base_verify_callback = nullptr;
    bool checked = false;
    TlsError mismatch;
  };
  // Only sessions that check an identity have one: every idle inbound session would pay for it.
  std::unique_ptr<IdentityCheck> identity_;
  // The record layer run here (SessionOptions::own_records), with what it starts from: the
  // traffic secrets captured during the handshake, and the handshake's facts kept for the owner.
  bool own_records_;
  struct TrafficSecrets {
    uint8_t client[kTls13MaxHashLength];
    uint8_t server[kTls13MaxHashLength];
    size_t length = 0;
    bool have_client = false;
    bool have_server = false;
    ~TrafficSecrets() { OPENSSL_cleanse(this, sizeof(*this)); }
  };
  std::unique_ptr<TrafficSecrets> secrets_;
  std::unique_ptr<Tls13Records> records_;
  std::unique_ptr<HandshakeFacts> facts_;
};

}  // namespace siptls

#endif  // SIPTLS_TLS_SESSION_CORE_H_
