// Socket addresses as the transport reports and accepts them: IP text (IPv6 without brackets)
// and a port.
#ifndef SIPTLS_IO_ADDRESS_H_
#define SIPTLS_IO_ADDRESS_H_

#include <uv.h>

#include <cstdint>
#include <string>

namespace siptls {

// Fills `*storage` from an IPv4 or IPv6 literal. Returns 0 or a libuv error (UV_EINVAL).
int ParseAddress(const std::string& ip, uint32_t port, sockaddr_storage* storage);

// The local (`local` = true) or remote address of `tcp`; "" and 0 when unknown.
void SocketAddress(const uv_tcp_t* tcp, bool local, std::string* ip, uint32_t* port);

}  // namespace siptls

#endif  // SIPTLS_IO_ADDRESS_H_
