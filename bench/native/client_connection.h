// One client TLS connection of the load generator: non-blocking TCP connect, TLS client
// handshake over the socket, SIP OPTIONS requests out and responses in. Owned by one run
// thread; driven by level-triggered epoll events, asking for writability only while it has
// something to write.
#ifndef SIPTLS_BENCH_CLIENT_CONNECTION_H_
#define SIPTLS_BENCH_CLIENT_CONNECTION_H_

#include <openssl/ssl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "latency_histogram.h"
#include "sip_options.h"

namespace siptls {

// Where the load goes: a numeric address, plus the SNI name (empty: none) and the host:port
// written into request URIs.
struct Target {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string host;
  int port = 0;
  std::string server_name;
  // Local addresses to connect from, used in turn (empty: the kernel picks). Linux picks an
  // ephemeral port with a scan that grows with the connections already open between the same
  // two addresses; 19,000 of them from 127.0.0.1 make each connect() cost milliseconds. Spread
  // over many 127/8 sources, each pair holds a few hundred.
  std::vector<sockaddr_in> sources;
};

// What one Drive() call moved forward.
struct DriveProgress {
  bool handshake_done = false;
  int responses = 0;
  int non_200 = 0;
};

class ClientConnection {
 public:
  enum class State { kClosed, kConnecting, kHandshaking, kReady, kFailed };

  ClientConnection() = default;
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Opens a socket, starts connecting and registers it with `epoll_fd` under
  // `epoll_tag`. Returns false, in state kFailed with error(), when that fails at once.
  bool Start(const Target& target, SSL_CTX* context, int epoll_fd, uint64_t epoll_tag, uint64_t now);

  // Moves the connection forward after readiness `events` (or spuriously): connect, handshake,
  // pending writes, reads and response framing. Response latencies go into `latency`.
  void Drive(uint32_t events, uint64_t now, DriveProgress* progress, LatencyHistogram* latency);

  // Appends `count` OPTIONS requests stamped with `now`; Flush() writes them.
  void QueueRequests(int count, uint64_t now);

  // Writes queued requests until done or the socket is full. Returns false once failed.
  bool Flush();

  // Closes at once with an RST (SO_LINGER 0), so neither side keeps a TIME_WAIT entry and a
  // benchmark opening thousands of connections per second never runs out of ports.
  void Abort();

  // Marks the connection failed (e.g. timed out) and closes it.
  void Fail(const std::string& reason);

  // Moves an established connection onto memory BIOs, so that the run moves its bytes in
  // batches (SocketBatch: one io_uring_enter for many sockets) instead of OpenSSL making a read
  // and a write system call for each. Returns false, failed, when OpenSSL cannot.
  bool UseMemoryBios();
  // Memory-BIO mode: `len` bytes the socket gave; decrypts and frames the responses.
  void OnBytes(const uint8_t* data, size_t len, uint64_t now, DriveProgress* progress,
               LatencyHistogram* latency);
  // Memory-BIO mode: encrypts the queued requests. Returns false once failed.
  bool Encrypt();
  // Memory-BIO mode: the ciphertext waiting for the socket, and how much of it the socket took.
  size_t PendingCiphertext(const uint8_t** data) const;
  void Sent(size_t len);
  int fd() const { return fd_; }

  State state() const { return state_; }
  uint64_t started_at() const { return started_at_; }
  uint64_t handshake_done_at() const { return handshake_done_at_; }
  size_t in_flight() const { return sent_at_.size(); }
  const std::string& error() const { return error_; }
  const char* failure_kind() const { return failure_kind_; }

 private:
  void FailWithSslError(const char* kind, const char* operation, int ssl_error);
  void ReadAvailable(uint64_t now, DriveProgress* progress, LatencyHistogram* latency);
  // Registers EPOLLOUT interest only while connecting or while a write waits for room.
  void UpdateInterest();
  bool OnMemoryBios() const { return write_bio_ != nullptr; }

  int fd_ = -1;
  BIO* write_bio_ = nullptr;  // memory-BIO mode: ciphertext for the socket (owned by ssl_)
  BIO* read_bio_ = nullptr;   // memory-BIO mode: ciphertext from the socket (owned by ssl_)
  int epoll_fd_ = -1;
  uint64_t epoll_tag_ = 0;
  uint32_t interest_ = 0;
  bool handshake_wants_write_ = false;
  SSL* ssl_ = nullptr;
  std::unique_ptr<OptionsRequestTemplate> requests_;
  State state_ = State::kClosed;
  uint64_t next_sequence_ = 1;
  uint64_t started_at_ = 0;
  uint64_t handshake_done_at_ = 0;
  std::string out_;
  size_t out_offset_ = 0;
  std::string in_;
  std::deque<uint64_t> sent_at_;
  std::string error_;
  const char* failure_kind_ = "";
};

}  // namespace siptls

#endif  // SIPTLS_BENCH_CLIENT_CONNECTION_H_
