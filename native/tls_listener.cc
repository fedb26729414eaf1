// Listen sockets; see tls_listener.h.
#include "tls_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "io_address.h"
#include "io_loop.h"
#include "tls_connection.h"

namespace siptls {

namespace {

// Connections accepted per readiness report: a SYN flood cannot hold the loop, and what is left
// is reported again (the epoll set is level-triggered).
constexpr int kMaxAcceptsPerReport = 128;

TlsError SocketError(const std::string& what, int err) {
  return MakeError(uv_err_name(-err), what + ": " + uv_strerror(-err));
}

}  // namespace

TlsListener::TlsListener(IoLoop* loop, int fd, std::shared_ptr<SecureContext> context,
                         uint32_t generation, bool pause_on_sni)
    : loop_(loop),
      fd_(fd),
      id_(loop->NextId()),
      context_(std::move(context)),
      generation_(generation),
      pause_on_sni_(pause_on_sni) {}

TlsListener::~TlsListener() {
  if (fd_ >= 0) close(fd_);  // also leaves the epoll set
}

TlsListener* TlsListener::Create(IoLoop* loop, const std::string& ip, uint32_t port, int backlog,
                                 std::shared_ptr<SecureContext> context, uint32_t generation,
                                 bool pause_on_sni, TlsError* error) {
  sockaddr_storage addr{};
  if (ParseAddress(ip, port, &addr) != 0) {
    *error = MakeError("ERR_TLS_INVALID_ADDRESS", "not an IP address: " + ip);
    return nullptr;
  }
  std::string where = "listen on " + ip + ":" + std::to_string(port);
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = SocketError(where, errno);
    return nullptr;
  }
  auto* listener = new TlsListener(loop, fd, std::move(context), generation, pause_on_sni);
  int one = 1;
  // As libuv's uv_tcp_bind: a restarted server can bind while old connections linger.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // An IPv6 socket listens on IPv6 only, so `tls:[::]:5061` and `tls:0.0.0.0:5061` can coexist.
  if (addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  // Accepted sockets inherit TCP_NODELAY (Linux copies the listener's TCP options): SIP
  // messages go out at once, and no connection pays a setsockopt for it.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  listener->wildcard_ =
      addr.ss_family == AF_INET6
          ? IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr)
          : reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr.s_addr == htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), AddressLength(addr)) != 0 ||
      listen(fd, backlog) != 0 || !loop->WatchListener(fd, listener->id_)) {
    *error = SocketError(where, errno);
    delete listener;
    return nullptr;
  }
  SocketAddress(fd, true, &listener->ip_, &listener->port_);
  loop->AddListener(listener);
  return listener;
}

void TlsListener::Address(std::string* ip, uint32_t* port) const {
  *ip = ip_;
  *port = port_;
}

void TlsListener::SetContext(std::shared_ptr<SecureContext> context, uint32_t generation,
                             bool pause_on_sni) {
  context_ = std::move(context);
  generation_ = generation;
  pause_on_sni_ = pause_on_sni;
}

void TlsListener::Refuse(int fd) {
  linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  close(fd);
}

bool TlsListener::AcceptOne(int* fd, sockaddr_storage* peer) {
  for (;;) {
    socklen_t length = sizeof(*peer);
    *fd = accept4(fd_, reinterpret_cast<sockaddr*>(peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (*fd >= 0) return true;
    // The connection was reset while it waited in the backlog: try the next one.
    if (errno == ECONNABORTED || errno == EINTR) continue;
    if (errno == EMFILE || errno == ENFILE) {
      // Out of descriptors: refuse the connection with the loop's reserve descriptor, as libuv
      // does, or the listen socket would stay readable and spin the loop.
      loop_->Counters().refused_max_connections++;
      int refused = loop_->AcceptWithReserve(fd_);
      if (refused >= 0) Refuse(refused);
    }
    return false;
  }
}

void TlsListener::AcceptPending() {
  IoCounters& counters = loop_->Counters();
  int fd;
  sockaddr_storage peer;
  // A wildcard listener's connections each learn their own local address.
  AcceptedAddresses addresses{&peer, wildcard_ ? nullptr : &ip_, port_};
  for (int i = 0; i < kMaxAcceptsPerReport && AcceptOne(&fd, &peer); i++) {
    int64_t max = loop_->Limits().max_connections;
    if (max >= 0 && counters.opened >= static_cast<uint64_t>(max)) {
      counters.refused_max_connections++;
      Refuse(fd);
      continue;
    }
    if (loop_->BelowThreshold1()) {
      Refuse(fd);
      continue;
    }
    TlsError error;
    if (TlsConnection::Accept(loop_, fd, addresses, id_, context_, generation_, pause_on_sni_,
                              wildcard_, &error) == nullptr) {
      counters.handshake_failures++;
    }
  }
}

void TlsListener::Close() {
  loop_->RemoveListener(id_);
  delete this;
}

}  // namespace siptls
