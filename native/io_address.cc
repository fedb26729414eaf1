// Address conversion; see io_address.h.
#include "io_address.h"

namespace siptls {

int ParseAddress(const std::string& ip, uint32_t port, sockaddr_storage* storage) {
  if (port > 65535) return UV_EINVAL;
  if (ip.find(':') != std::string::npos) {
    return uv_ip6_addr(ip.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in6*>(storage));
  }
  return uv_ip4_addr(ip.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in*>(storage));
}

void SocketAddress(const uv_tcp_t* tcp, bool local, std::string* ip, uint32_t* port) {
  sockaddr_storage storage{};
  int len = sizeof(storage);
  int result = local ? uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&storage), &len)
                     : uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&storage), &len);
  ip->clear();
  *port = 0;
  if (result != 0) return;
  char text[INET6_ADDRSTRLEN] = {0};
  if (storage.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    uv_ip6_name(in6, text, sizeof(text));
    *port = ntohs(in6->sin6_port);
  } else if (storage.ss_family == AF_INET) {
    auto* in4 = reinterpret_cast<const sockaddr_in*>(&storage);
    uv_ip4_name(in4, text, sizeof(text));
    *port = ntohs(in4->sin_port);
  }
  *ip = text;
}

}  // namespace siptls
