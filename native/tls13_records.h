// Tls13Records: the record layer of an established TLS 1.3 connection, run by sip-tls once
// OpenSSL's handshake is done (RFC 8446 section 5), so that OpenSSL's per-connection objects
// (the SSL and its buffers, cipher contexts, session, key shares: about 13 KiB) can be freed.
// What Linux's kTLS does in the kernel, done here in user space: OpenSSL makes the handshake
// and the traffic secrets, and the owner (TlsSessionCore) hands them over.
//
// What it keeps per connection: each direction's traffic secret, key, IV and sequence number;
// the expanded cipher contexts only while the connection is active (Hibernate() frees them,
// the next record makes them again). The AEAD is OpenSSL's (EVP), as are HKDF and the suites.
//
// What it does, as OpenSSL would after a TLS 1.3 handshake:
//   - application data both ways, in records of at most `max_fragment` bytes;
//   - KeyUpdate from the peer (with update_requested, our own KeyUpdate answers it) and from us;
//   - close_notify both ways, user_canceled ignored, any other alert from the peer fatal;
//   - NewSessionTicket messages to a client dropped (sip-tls clients keep no sessions);
//   - every violation fatal with the alert RFC 8446 names (bad_record_mac, record_overflow,
//     unexpected_message, decode_error, illegal_parameter), sent before the error is reported.
#ifndef SIPTLS_TLS13_RECORDS_H_
#define SIPTLS_TLS13_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <openssl/evp.h>

#include "addon_data.h"
#include "long_lived.h"
#include "mem_bio.h"
#include "ssl_error.h"
#include "tls13_suites.h"

namespace siptls {

class Tls13Records {
 public:
  SIPTLS_LONG_LIVED_OBJECT

  // From the traffic secrets (hash-length each) of the handshake that just ended. `client`: our
  // role. Returns nullptr and fills `*error` if the keys cannot be derived.
  static std::unique_ptr<Tls13Records> Create(std::shared_ptr<AddonData> addon, const Tls13Suite& suite,
                                              bool client, const uint8_t* read_secret,
                                              const uint8_t* write_secret, size_t max_fragment,
                                              TlsError* error);
  ~Tls13Records();
  Tls13Records(const Tls13Records&) = delete;
  Tls13Records& operator=(const Tls13Records&) = delete;

  enum class ReadOutcome {
    kOk,          // nothing more to do now (or whole records are there but `out` is full: `more`)
    kPeerClosed,  // close_notify received; nothing after it is read
    kError,       // fatal: the alert is queued, `*error` says why
  };
  // Decrypts the whole records `io` holds into `out` (up to `out_cap` bytes; `*out_len` bytes
  // written), handling the records that are not application data. `*more`: a whole record, or
  // the rest of one larger than `out_cap`, is left because `out` is full.
  ReadOutcome Read(MemBioBuffers* io, uint8_t* out, size_t out_cap, size_t* out_len, bool* more,
                   TlsError* error);
  // Encrypts `len` bytes into records in `io`'s output. False (with `*error`) when memory runs out.
  bool Write(MemBioBuffers* io, const uint8_t* data, size_t len, TlsError* error);
  // Queues our close_notify (6.1).
  bool SendCloseNotify(MemBioBuffers* io, TlsError* error);
  // Sends a KeyUpdate (asking the peer to update too, or not) and moves to the next write key.
  bool SendKeyUpdate(MemBioBuffers* io, bool request_peer, TlsError* error);
  // Frees the expanded cipher contexts (about 1 KiB each); the next record makes them again.
  void Hibernate();

 private:
  struct Direction {
    uint8_t secret[kTls13MaxHashLength];
    uint8_t key[kTls13MaxKeyLength];
    uint8_t iv[kTls13IvLength];
    uint64_t sequence = 0;
    EVP_CIPHER_CTX* context = nullptr;  // keyed; null while hibernating
  };

  Tls13Records(std::shared_ptr<AddonData> addon, const Tls13Suite& suite, bool client,
               size_t max_fragment)
      : addon_(std::move(addon)), suite_(&suite), client_(client), max_fragment_(max_fragment) {}
  // Derives key and IV from the direction's secret, and sets them on its context if it has one.
  bool DeriveKeys(Direction* direction);
  // The next secret of a direction (RFC 8446 section 7.2), and its key and IV.
  bool UpdateKeys(Direction* direction);
  // The direction's context, keyed, with this record's nonce; nullptr if OpenSSL refuses.
  EVP_CIPHER_CTX* Prepare(Direction* direction, bool encrypt);
  // One record of `inner_type` (plaintext `len` bytes) to `io`'s output.
  bool WriteRecord(MemBioBuffers* io, uint8_t inner_type, const uint8_t* data, size_t len,
                   TlsError* error);
  // A decrypted handshake fragment: KeyUpdate and (to a client) NewSessionTicket.
  bool OnHandshakeData(MemBioBuffers* io, const uint8_t* data, size_t len, TlsError* error);
  bool SendAlert(MemBioBuffers* io, uint8_t level, uint8_t description, TlsError* error);
  // Queues the fatal alert `description` and fills `*error` with the error OpenSSL reports for
  // `reason` (SSL_R_*); always returns kError.
  ReadOutcome Fatal(MemBioBuffers* io, uint8_t description, int reason, TlsError* error);
  // Moves up to `out_cap` bytes of `unread_` to `out`; returns how many.
  size_t TakeUnread(uint8_t* out, size_t out_cap);

  std::shared_ptr<AddonData> addon_;
  const Tls13Suite* suite_;
  bool client_;
  bool peer_closed_ = false;
  size_t max_fragment_;
  Direction read_;
  Direction write_;
  // A handshake message split over records (rare: KeyUpdate is 5 bytes); null when none waits.
  std::unique_ptr<std::vector<uint8_t>> handshake_;
  // The rest of a record's application data that did not fit a small `out` (a TlsSession read
  // into a buffer under 16 KiB); the next Read gives it first. Null when none waits.
  std::unique_ptr<std::vector<uint8_t>> unread_;
};

}  // namespace siptls

#endif  // SIPTLS_TLS13_RECORDS_H_
