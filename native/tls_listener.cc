// Listen sockets; see tls_listener.h.
#include "tls_listener.h"

#include "io_address.h"
#include "io_loop.h"
#include "tls_connection.h"

namespace siptls {

TlsListener::TlsListener(IoLoop* loop, std::shared_ptr<SecureContext> context, uint32_t generation,
                         bool pause_on_sni)
    : loop_(loop),
      id_(loop->NextId()),
      context_(std::move(context)),
      generation_(generation),
      pause_on_sni_(pause_on_sni) {
  uv_tcp_init(loop->Loop(), &tcp_);
  tcp_.data = this;
  loop->HandleOpened();
}

TlsListener* TlsListener::Create(IoLoop* loop, const std::string& ip, uint32_t port, int backlog,
                                 std::shared_ptr<SecureContext> context, uint32_t generation,
                                 bool pause_on_sni, TlsError* error) {
  sockaddr_storage addr{};
  int result = ParseAddress(ip, port, &addr);
  if (result != 0) {
    *error = MakeError("ERR_TLS_INVALID_ADDRESS", "not an IP address: " + ip);
    return nullptr;
  }
  auto* listener = new TlsListener(loop, std::move(context), generation, pause_on_sni);
  // An IPv6 socket listens on IPv6 only, so `tls:[::]:5061` and `tls:0.0.0.0:5061` can coexist.
  unsigned int flags = addr.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
  listener->wildcard_ =
      addr.ss_family == AF_INET6
          ? IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr)
          : reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr.s_addr == htonl(INADDR_ANY);
  result = uv_tcp_bind(&listener->tcp_, reinterpret_cast<const sockaddr*>(&addr), flags);
  if (result == 0) {
    result = uv_listen(reinterpret_cast<uv_stream_t*>(&listener->tcp_), backlog, OnConnection);
  }
  if (result != 0) {
    *error = MakeError(uv_err_name(result), std::string("listen on ") + ip + ":" +
                                                std::to_string(port) + ": " + uv_strerror(result));
    listener->Close();
    return nullptr;
  }
  loop->AddListener(listener);
  return listener;
}

void TlsListener::Address(std::string* ip, uint32_t* port) const {
  SocketAddress(&tcp_, true, ip, port);
}

void TlsListener::SetContext(std::shared_ptr<SecureContext> context, uint32_t generation,
                             bool pause_on_sni) {
  context_ = std::move(context);
  generation_ = generation;
  pause_on_sni_ = pause_on_sni;
}

void TlsListener::Refuse() {
  uv_tcp_t* refused = new uv_tcp_t;
  uv_tcp_init(loop_->Loop(), refused);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&tcp_), reinterpret_cast<uv_stream_t*>(refused)) == 0) {
    // RST instead of FIN: the client learns at once, and no TIME_WAIT stays here.
    uv_tcp_close_reset(refused, [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
  } else {
    uv_close(reinterpret_cast<uv_handle_t*>(refused),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
  }
}

void TlsListener::OnConnection(uv_stream_t* server, int status) {
  auto* listener = static_cast<TlsListener*>(server->data);
  IoLoop* loop = listener->loop_;
  if (status < 0 || listener->closing_) return;
  IoCounters& counters = loop->Counters();
  int64_t max = loop->Limits().max_connections;
  if (max >= 0 && counters.opened >= static_cast<uint64_t>(max)) {
    counters.refused_max_connections++;
    listener->Refuse();
    return;
  }
  if (loop->BelowThreshold1()) {
    listener->Refuse();
    return;
  }
  TlsError error;
  if (TlsConnection::Accept(loop, server, listener->id_, listener->context_, listener->generation_,
                            listener->pause_on_sni_, listener->wildcard_, &error) == nullptr) {
    counters.handshake_failures++;
  }
}

void TlsListener::Close() {
  if (closing_) return;
  closing_ = true;
  loop_->RemoveListener(id_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
}

void TlsListener::OnClosed(uv_handle_t* handle) {
  auto* listener = static_cast<TlsListener*>(handle->data);
  IoLoop* loop = listener->loop_;
  delete listener;
  loop->HandleClosed();
}

}  // namespace siptls
