// Key logging (Kamailio's keylog_mode / keylog_file / keylog_peer): the TLS secrets of every
// handshake, one NSS key log line per secret ("CLIENT_RANDOM <hex> <hex>" for TLS 1.2,
// "CLIENT_HANDSHAKE_TRAFFIC_SECRET …", "SERVER_TRAFFIC_SECRET_0 …" etc. for TLS 1.3), so that a
// capture can be decrypted (Wireshark). A debugging aid: anyone with the lines reads the traffic.
//
// keylog_mode bits, as in Kamailio master:
//   1 key logging on: every context gets its KeyLog (at start and at tls.reload);
//   2 active: lines are handed on (without it the callback drops them);
//   4 each line goes to the module's logger at NOTICE (queued to JS, never inside the SSL call);
//   8 each line is appended to keylog_file (created 0600, O_APPEND, one write per line);
//  16 each line is sent as one UDP datagram to keylog_peer;
// 1024 only the lines needed to decrypt traffic pass (see KeyLog::PassesFilter).
#ifndef SIPTLS_KEYLOG_H_
#define SIPTLS_KEYLOG_H_

#include <functional>
#include <memory>
#include <string>

#include <openssl/ssl.h>

#include "ssl_error.h"

namespace siptls {

namespace keylog_mode {
constexpr int kInit = 1;
constexpr int kActive = 2;
constexpr int kNotice = 4;
constexpr int kFile = 8;
constexpr int kPeer = 16;
constexpr int kFilter = 1024;
}  // namespace keylog_mode

// Hands a line to the module's logger (at NOTICE). Must not call JS synchronously.
using KeyLogNotice = std::function<void(const char* line)>;

// What a context's key log is made from (part of ContextOptions).
struct KeyLogOptions {
  int mode = 0;                // keylog_mode
  std::string file;            // keylog_file (bit 8)
  std::string peer_ip;         // keylog_peer's address (bit 16), IPv6 without brackets
  int peer_port = 0;
  KeyLogNotice notice;         // bit 4; empty: lines are not logged
};

// The destinations of one context's key log lines. Owned by the SecureContext (shared_ptr);
// the file and socket are closed with it.
class KeyLog {
 public:
  // Opens the file and the UDP socket the mode asks for. Returns nullptr and fills `*error`
  // (naming keylog_file or keylog_peer) when it cannot.
  static std::shared_ptr<KeyLog> Open(const KeyLogOptions& options, TlsError* error);
  ~KeyLog();
  KeyLog(const KeyLog&) = delete;
  KeyLog& operator=(const KeyLog&) = delete;

  // Hands one line (without newline) to every destination of the mode. Never blocks: the file
  // write is one append, the datagram is sent non-blocking (dropped if the socket is full).
  void Write(const char* line);

  // Bit 1024: the line starts with one of the labels needed to decrypt a connection
  // (CLIENT_RANDOM, CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0).
  // Kamailio compares whole lines with these labels, so its filter drops everything; a label
  // prefix is what it means.
  static bool PassesFilter(const char* line);

 private:
  explicit KeyLog(const KeyLogOptions& options) : mode_(options.mode), notice_(options.notice) {}

  int mode_;
  KeyLogNotice notice_;
  int file_fd_ = -1;
  int peer_fd_ = -1;
};

// The callback every SecureContext installs (SSL_CTX_set_keylog_callback(3)): hands the line to
// the session (TlsSessionCore::OnKeyLogLine) and, with keylog_mode bit 1, writes it to the
// session's current context's KeyLog.
void KeyLogCallback(const SSL* ssl, const char* line);

}  // namespace siptls

#endif  // SIPTLS_KEYLOG_H_
