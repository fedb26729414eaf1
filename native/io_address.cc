// Address conversion; see io_address.h.
#include "io_address.h"

#include <sys/socket.h>

namespace siptls {

int ParseAddress(const std::string& ip, uint32_t port, sockaddr_storage* storage) {
  if (port > 65535) return UV_EINVAL;
  if (ip.find(':') != std::string::npos) {
    return uv_ip6_addr(ip.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in6*>(storage));
  }
  return uv_ip4_addr(ip.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in*>(storage));
}

void SocketAddress(int fd, bool local, std::string* ip, uint32_t* port) {
  sockaddr_storage storage{};
  socklen_t len = sizeof(storage);
  int result = local ? getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len)
                     : getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &len);
  if (result != 0) storage.ss_family = AF_UNSPEC;
  AddressText(storage, ip, port);
}

void AddressText(const sockaddr_storage& storage, std::string* ip, uint32_t* port) {
  ip->clear();
  *port = 0;
  char text[INET6_ADDRSTRLEN] = {0};
  if (storage.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    uv_ip6_name(in6, text, sizeof(text));
    *port = ntohs(in6->sin6_port);
  } else if (storage.ss_family == AF_INET) {
    auto* in4 = reinterpret_cast<const sockaddr_in*>(&storage);
    uv_ip4_name(in4, text, sizeof(text));
    *port = ntohs(in4->sin_port);
  } else {
    return;
  }
  *ip = text;
}

socklen_t AddressLength(const sockaddr_storage& storage) {
  return storage.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

}  // namespace siptls
