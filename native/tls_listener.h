// TlsListener: one `tls:IP:PORT` listen socket on the libuv loop. Accepts connections with the
// context (profile of the current generation) JS gave it for its ip:port; a reload swaps the
// context for new connections only.
#ifndef SIPTLS_TLS_LISTENER_H_
#define SIPTLS_TLS_LISTENER_H_

#include <uv.h>

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
  // Stops listening; established connections stay.
  void Close();

 private:
  TlsListener(IoLoop* loop, std::shared_ptr<SecureContext> context, uint32_t generation,
              bool pause_on_sni);
  ~TlsListener() = default;
  static void OnConnection(uv_stream_t* server, int status);
  static void OnClosed(uv_handle_t* handle);
  // Accepts and closes at once: the refusal Kamailio makes at tls_max_connections and below
  // low_mem_threshold1.
  void Refuse();

  uv_tcp_t tcp_;
  IoLoop* loop_;
  uint32_t id_;
  std::shared_ptr<SecureContext> context_;
  uint32_t generation_;
  bool pause_on_sni_;
  bool wildcard_ = false;  // bound to 0.0.0.0 or ::: the profile depends on each connection's address
  bool closing_ = false;
};

}  // namespace siptls

#endif  // SIPTLS_TLS_LISTENER_H_
