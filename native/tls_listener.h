// TlsListener: one `tls:IP:PORT` listen socket, watched by the IoLoop's epoll set. Accepts
// connections with the context (profile of the current generation) JS gave it for its ip:port;
// a reload swaps the context for new connections only.
#ifndef SIPTLS_TLS_LISTENER_H_
#define SIPTLS_TLS_LISTENER_H_

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>

#include "secure_context.h"
#include "ssl_error.h"

namespace siptls {

class IoLoop;

class TlsListener {
 public:
  // Binds and listens. Returns nullptr with `*error` set (EADDRINUSE, EACCES, EINVAL…).
  static TlsListener* Create(IoLoop* loop, const std::string& ip, uint32_t port, int backlog,
                             std::shared_ptr<SecureContext> context, uint32_t generation,
                             bool pause_on_sni, TlsError* error);

  uint32_t Id() const { return id_; }
  // The bound address (the real port when 0 was asked for).
  void Address(std::string* ip, uint32_t* port) const;
  // Context, generation and SNI pausing for connections accepted from now on.
  void SetContext(std::shared_ptr<SecureContext> context, uint32_t generation, bool pause_on_sni);
  // Accepts what the backlog holds (the epoll set reported it readable), a bounded number per call.
  void AcceptPending();
  // Stops listening and frees the listener; established connections stay.
  void Close();

 private:
  TlsListener(IoLoop* loop, int fd, std::shared_ptr<SecureContext> context, uint32_t generation,
              bool pause_on_sni);
  ~TlsListener();
  // Accepts one connection's socket (and its peer's address), or returns false when the backlog
  // is empty or accept(2) fails for want of descriptors (counted; the connection is refused,
  // not left to spin).
  bool AcceptOne(int* fd, sockaddr_storage* peer);
  // Closes an accepted socket with a reset: the refusal Kamailio makes at tls_max_connections and
  // below low_mem_threshold1 (the client learns at once, and no TIME_WAIT stays here).
  static void Refuse(int fd);

  IoLoop* loop_;
  int fd_;
  uint32_t id_;
  std::shared_ptr<SecureContext> context_;
  uint32_t generation_;
  bool pause_on_sni_;
  bool wildcard_ = false;  // bound to 0.0.0.0 or ::: the profile depends on each connection's address
  std::string ip_;         // the bound address (the real port when 0 was asked for)
  uint32_t port_ = 0;
};

}  // namespace siptls

#endif  // SIPTLS_TLS_LISTENER_H_
