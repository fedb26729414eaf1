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

// The local (`local` = true) or remote address of socket `fd`; "" and 0 when unknown.
void SocketAddress(int fd, bool local, std::string* ip, uint32_t* port);

// The IP text and port of an IPv4 or IPv6 address; "" and 0 for another family.
void AddressText(const sockaddr_storage& storage, std::string* ip, uint32_t* port);

// The length of `storage`'s address for bind(2) and connect(2).
socklen_t AddressLength(const sockaddr_storage& storage);

}  // namespace siptls

#endif  // SIPTLS_IO_ADDRESS_H_
