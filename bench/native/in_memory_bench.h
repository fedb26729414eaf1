// OpenSSL alone, in memory: a client and a server SSL joined by a BIO pair, no sockets and no
// JavaScript. The reference the sip-tls Session micro-benchmark is compared with.
#ifndef SIPTLS_BENCH_IN_MEMORY_BENCH_H_
#define SIPTLS_BENCH_IN_MEMORY_BENCH_H_

#include <cstdint>
#include <string>

namespace siptls {

struct InMemoryResult {
  uint64_t operations = 0;
  double server_cpu_seconds = 0;  // thread CPU inside the server SSL's calls only
  double wall_seconds = 0;
  std::string error;
};

// Full TLS 1.3 handshakes (no resumption) for `duration_ns`, server certificate and key from
// PEM files. Each handshake: SSL_new for both sides, handshake to completion, SSL_free.
void InMemoryHandshakes(const std::string& cert_file, const std::string& key_file, uint64_t duration_ns,
                        InMemoryResult* result);

// Transactions over one established pair: the client sends a `message_bytes` request, the
// server decrypts it and encrypts a response of the same size, in batches of 64.
void InMemoryTransactions(const std::string& cert_file, const std::string& key_file, size_t message_bytes,
                          uint64_t duration_ns, InMemoryResult* result);

}  // namespace siptls

#endif  // SIPTLS_BENCH_IN_MEMORY_BENCH_H_
