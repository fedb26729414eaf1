#include "client_connection.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>

namespace siptls {

namespace {
uint32_t next_connection_id = 1;  // per process; only for unique Call-IDs, races are harmless
constexpr size_t kReadChunk = 16384;
}  // namespace

ClientConnection::~ClientConnection() { Abort(); }

bool ClientConnection::Start(const Target& target, SSL_CTX* context, int epoll_fd, uint64_t epoll_tag,
                             uint64_t now) {
  Abort();
  requests_ = std::make_unique<OptionsRequestTemplate>(target.host, target.port, next_connection_id++);
  next_sequence_ = 1;
  started_at_ = now;
  handshake_done_at_ = 0;
  error_.clear();
  failure_kind_ = "";
  fd_ = socket(target.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    Fail(std::string("socket: ") + strerror(errno));
    failure_kind_ = "connect";
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!target.sources.empty()) {
    // IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect() for the full 4-tuple, not at
    // bind() for the address alone (ip(7)).
    setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    const sockaddr_in& source = target.sources[next_connection_id % target.sources.size()];
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&source), sizeof(source)) != 0) {
      Fail(std::string("bind: ") + strerror(errno));
      failure_kind_ = "connect";
      return false;
    }
  }
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&target.address), target.address_length) != 0 &&
      errno != EINPROGRESS) {
    Fail(std::string("connect: ") + strerror(errno));
    failure_kind_ = "connect";
    return false;
  }
  ssl_ = SSL_new(context);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    Fail("SSL_new failed");
    failure_kind_ = "handshake";
    return false;
  }
  if (!target.server_name.empty()) SSL_set_tlsext_host_name(ssl_, target.server_name.c_str());
  SSL_set_connect_state(ssl_);
  epoll_fd_ = epoll_fd;
  epoll_tag_ = epoll_tag;
  interest_ = EPOLLIN | EPOLLOUT;
  handshake_wants_write_ = false;
  epoll_event event{};
  event.events = interest_;
  event.data.u64 = epoll_tag;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd_, &event) != 0) {
    Fail(std::string("epoll_ctl: ") + strerror(errno));
    failure_kind_ = "connect";
    return false;
  }
  state_ = State::kConnecting;
  return true;
}

void ClientConnection::Drive(uint32_t events, uint64_t now, DriveProgress* progress,
                             LatencyHistogram* latency) {
  if (state_ == State::kConnecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int socket_error = 0;
    socklen_t length = sizeof(socket_error);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) {
      Fail(std::string("connect: ") + strerror(socket_error));
      failure_kind_ = "connect";
      return;
    }
    state_ = State::kHandshaking;
  }
  if (state_ == State::kHandshaking) {
    // The error queue is per thread and shared by every connection of this run: clear it so
    // SSL_get_error() sees only this call's outcome (SSL_get_error(3)).
    ERR_clear_error();
    int result = SSL_connect(ssl_);
    if (result != 1) {
      int ssl_error = SSL_get_error(ssl_, result);
      if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) {
        FailWithSslError("handshake", "handshake", ssl_error);
        return;
      }
      handshake_wants_write_ = ssl_error == SSL_ERROR_WANT_WRITE;
      UpdateInterest();
      return;
    }
    handshake_done_at_ = now;
    state_ = State::kReady;
    progress->handshake_done = true;
  }
  if (state_ != State::kReady) return;
  if (!Flush()) return;
  ReadAvailable(now, progress, latency);
}

void ClientConnection::UpdateInterest() {
  if (fd_ < 0) return;
  const uint8_t* unused;
  bool wants_write = state_ == State::kConnecting ||
                     (state_ == State::kHandshaking && handshake_wants_write_) ||
                     (state_ == State::kReady &&
                      (OnMemoryBios() ? PendingCiphertext(&unused) > 0 : out_offset_ < out_.size()));
  uint32_t interest = EPOLLIN | (wants_write ? EPOLLOUT : 0u);
  if (interest == interest_) return;
  epoll_event event{};
  event.events = interest;
  event.data.u64 = epoll_tag_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &event) == 0) interest_ = interest;
}

bool ClientConnection::UseMemoryBios() {
  if (OnMemoryBios()) return true;
  BIO* read_bio = BIO_new(BIO_s_mem());
  BIO* write_bio = BIO_new(BIO_s_mem());
  if (read_bio == nullptr || write_bio == nullptr) {
    BIO_free(read_bio);
    BIO_free(write_bio);
    Fail("cannot make memory BIOs");
    failure_kind_ = "io";
    return false;
  }
  // SSL_set_bio frees the socket BIO of SSL_set_fd, which leaves the socket open (BIO_NOCLOSE):
  // the run reads and writes it from now on. See SSL_set_bio(3).
  SSL_set_bio(ssl_, read_bio, write_bio);
  read_bio_ = read_bio;
  write_bio_ = write_bio;
  return true;
}

void ClientConnection::OnBytes(const uint8_t* data, size_t len, uint64_t now, DriveProgress* progress,
                               LatencyHistogram* latency) {
  if (state_ != State::kReady) return;
  if (BIO_write(read_bio_, data, static_cast<int>(len)) != static_cast<int>(len)) {
    Fail("cannot queue ciphertext in the memory BIO");
    failure_kind_ = "io";
    return;
  }
  ReadAvailable(now, progress, latency);
}

bool ClientConnection::Encrypt() {
  if (state_ != State::kReady) return state_ != State::kFailed;
  // A memory BIO takes every record: SSL_write writes all of it at once.
  while (out_offset_ < out_.size()) {
    ERR_clear_error();
    int result = SSL_write(ssl_, out_.data() + out_offset_, static_cast<int>(out_.size() - out_offset_));
    if (result <= 0) {
      FailWithSslError("io", "write", SSL_get_error(ssl_, result));
      return false;
    }
    out_offset_ += static_cast<size_t>(result);
  }
  out_.clear();
  out_offset_ = 0;
  return true;
}

size_t ClientConnection::PendingCiphertext(const uint8_t** data) const {
  if (!OnMemoryBios()) return 0;
  char* pointer = nullptr;
  long len = BIO_get_mem_data(write_bio_, &pointer);
  *data = reinterpret_cast<const uint8_t*>(pointer);
  return len > 0 ? static_cast<size_t>(len) : 0;
}

void ClientConnection::Sent(size_t len) {
  char discard[4096];
  while (len > 0) {
    int n = BIO_read(write_bio_, discard, static_cast<int>(len < sizeof(discard) ? len : sizeof(discard)));
    if (n <= 0) break;
    len -= static_cast<size_t>(n);
  }
  UpdateInterest();
}

void ClientConnection::ReadAvailable(uint64_t now, DriveProgress* progress, LatencyHistogram* latency) {
  char chunk[kReadChunk];
  for (;;) {
    ERR_clear_error();
    int result = SSL_read(ssl_, chunk, sizeof(chunk));
    if (result > 0) {
      in_.append(chunk, static_cast<size_t>(result));
      // With read-ahead one read() takes every record that has arrived; stop once they are
      // all decrypted instead of paying another read() for EAGAIN (epoll is level-triggered,
      // so anything that arrives later wakes us again). Over memory BIOs the records of one
      // recv wait in the BIO, where no epoll event would wake us for them.
      if (SSL_has_pending(ssl_) || (OnMemoryBios() && BIO_pending(read_bio_) > 0)) continue;
      break;
    }
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) break;
    if (ssl_error == SSL_ERROR_ZERO_RETURN) {
      Fail("closed by the server (close_notify)");
      failure_kind_ = "io";
      return;
    }
    FailWithSslError("io", "read", ssl_error);
    return;
  }
  size_t offset = 0;
  while (offset < in_.size()) {
    size_t consumed = 0;
    int status = 0;
    FrameResult frame = FrameResponse(in_.data() + offset, in_.size() - offset, &consumed, &status);
    if (frame == FrameResult::kIncomplete) break;
    if (frame == FrameResult::kMalformed) {
      Fail("malformed SIP response from the server");
      failure_kind_ = "io";
      return;
    }
    offset += consumed;
    if (frame == FrameResult::kKeepAlive) continue;
    if (sent_at_.empty()) {
      Fail("SIP response without a request");
      failure_kind_ = "io";
      return;
    }
    latency->Record(now - sent_at_.front());
    sent_at_.pop_front();
    progress->responses++;
    if (status != 200) progress->non_200++;
  }
  in_.erase(0, offset);
}

void ClientConnection::QueueRequests(int count, uint64_t now) {
  for (int i = 0; i < count; i++) {
    requests_->AppendTo(&out_, next_sequence_++);
    sent_at_.push_back(now);
  }
}

bool ClientConnection::Flush() {
  if (state_ == State::kFailed) return false;
  if (state_ != State::kReady) return true;
  while (out_offset_ < out_.size()) {
    ERR_clear_error();
    // SSL_MODE_ENABLE_PARTIAL_WRITE: a full socket returns what was written so far, so
    // queued requests are never sent twice (SSL_write(3)).
    int result = SSL_write(ssl_, out_.data() + out_offset_, static_cast<int>(out_.size() - out_offset_));
    if (result > 0) {
      out_offset_ += static_cast<size_t>(result);
      continue;
    }
    int ssl_error = SSL_get_error(ssl_, result);
    if (ssl_error == SSL_ERROR_WANT_WRITE || ssl_error == SSL_ERROR_WANT_READ) {
      UpdateInterest();
      return true;
    }
    FailWithSslError("io", "write", ssl_error);
    return false;
  }
  out_.clear();
  out_offset_ = 0;
  UpdateInterest();
  return true;
}

void ClientConnection::FailWithSslError(const char* kind, const char* operation, int ssl_error) {
  std::string reason = std::string(operation) + ": ";
  unsigned long code = ERR_peek_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason += text;
  } else if (ssl_error == SSL_ERROR_SYSCALL) {
    reason += errno != 0 ? strerror(errno) : "connection closed by the server";
  } else {
    reason += "SSL error " + std::to_string(ssl_error);
  }
  ERR_clear_error();
  Fail(reason);
  failure_kind_ = kind;
}

void ClientConnection::Fail(const std::string& reason) {
  Abort();
  error_ = reason;
  state_ = State::kFailed;
}

void ClientConnection::Abort() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // and its BIOs
    ssl_ = nullptr;
  }
  read_bio_ = write_bio_ = nullptr;
  if (fd_ >= 0) {
    linger abortive{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
    close(fd_);  // also removes it from the epoll set
    fd_ = -1;
  }
  interest_ = 0;
  out_.clear();
  out_offset_ = 0;
  in_.clear();
  sent_at_.clear();
  state_ = State::kClosed;
}

}  // namespace siptls
