#include "in_memory_bench.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <vector>

#include "load_runs.h"
#include "proc_cpu.h"

namespace siptls {

namespace {

constexpr int kBatch = 64;

// A server context as the servers under test use it: TLS 1.3, the given certificate and key.
SSL_CTX* NewServerContext(const std::string& cert_file, const std::string& key_file, std::string* error) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return nullptr;
  SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
  if (SSL_CTX_use_certificate_chain_file(context, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof(text));
    *error = std::string("cannot load ") + cert_file + ": " + text;
    ERR_clear_error();
    SSL_CTX_free(context);
    return nullptr;
  }
  return context;
}

// One client and one server SSL over a BIO pair (BIO_new_bio_pair(3)).
struct Pair {
  SSL* client = nullptr;
  SSL* server = nullptr;
  Pair(SSL_CTX* client_context, SSL_CTX* server_context) {
    client = SSL_new(client_context);
    server = SSL_new(server_context);
    BIO* client_end = nullptr;
    BIO* server_end = nullptr;
    BIO_new_bio_pair(&client_end, 1 << 17, &server_end, 1 << 17);
    SSL_set_bio(client, client_end, client_end);
    SSL_set_bio(server, server_end, server_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
  }
  ~Pair() {
    SSL_free(client);
    SSL_free(server);
  }
};

// Runs both handshakes to completion, timing only the server's calls. Returns false on error.
bool Handshake(Pair* pair, double* server_cpu) {
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); round++) {
    ERR_clear_error();
    if (!client_done) {
      int r = SSL_do_handshake(pair->client);
      client_done = r == 1;
      if (r != 1 && SSL_get_error(pair->client, r) != SSL_ERROR_WANT_READ) return false;
    }
    double before = ThreadCpuSeconds();
    ERR_clear_error();
    int r = SSL_do_handshake(pair->server);
    *server_cpu += ThreadCpuSeconds() - before;
    server_done = r == 1;
    if (r != 1 && SSL_get_error(pair->server, r) != SSL_ERROR_WANT_READ) return false;
  }
  // The server's session tickets follow its Finished; let the client read them as a real
  // client would, so the next handshake starts clean.
  char scratch[256];
  ERR_clear_error();
  SSL_read(pair->client, scratch, sizeof(scratch));
  return client_done && server_done;
}

}  // namespace

void InMemoryHandshakes(const std::string& cert_file, const std::string& key_file, uint64_t duration_ns,
                        InMemoryResult* result) {
  SSL_CTX* server_context = NewServerContext(cert_file, key_file, &result->error);
  SSL_CTX* client_context = NewClientContext(true);
  if (server_context == nullptr || client_context == nullptr) {
    if (result->error.empty()) result->error = "cannot create the TLS contexts";
  } else {
    uint64_t start = MonotonicNanos();
    while (MonotonicNanos() - start < duration_ns) {
      Pair pair(client_context, server_context);
      if (!Handshake(&pair, &result->server_cpu_seconds)) {
        result->error = "in-memory handshake failed";
        break;
      }
      result->operations++;
    }
    result->wall_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  }
  if (server_context != nullptr) SSL_CTX_free(server_context);
  if (client_context != nullptr) SSL_CTX_free(client_context);
}

void InMemoryTransactions(const std::string& cert_file, const std::string& key_file, size_t message_bytes,
                          uint64_t duration_ns, InMemoryResult* result) {
  SSL_CTX* server_context = NewServerContext(cert_file, key_file, &result->error);
  SSL_CTX* client_context = NewClientContext(true);
  if (server_context == nullptr || client_context == nullptr) {
    if (result->error.empty()) result->error = "cannot create the TLS contexts";
    if (server_context != nullptr) SSL_CTX_free(server_context);
    if (client_context != nullptr) SSL_CTX_free(client_context);
    return;
  }
  {
    Pair pair(client_context, server_context);
    double ignored = 0;
    if (!Handshake(&pair, &ignored)) {
      result->error = "in-memory handshake failed";
    } else {
      std::vector<char> message(message_bytes, 'x');
      std::vector<char> buffer(message_bytes * kBatch + 16384);
      uint64_t start = MonotonicNanos();
      while (result->error.empty() && MonotonicNanos() - start < duration_ns) {
        for (int i = 0; i < kBatch; i++) SSL_write(pair.client, message.data(), static_cast<int>(message_bytes));
        double before = ThreadCpuSeconds();
        size_t received = 0;
        // Server: decrypt the batch, answer each request with one record.
        while (received < message_bytes * kBatch) {
          int n = SSL_read(pair.server, buffer.data(), static_cast<int>(buffer.size()));
          if (n <= 0) {
            result->error = "in-memory server read failed";
            break;
          }
          received += static_cast<size_t>(n);
        }
        for (int i = 0; i < kBatch; i++) SSL_write(pair.server, message.data(), static_cast<int>(message_bytes));
        result->server_cpu_seconds += ThreadCpuSeconds() - before;
        received = 0;
        while (result->error.empty() && received < message_bytes * kBatch) {
          int n = SSL_read(pair.client, buffer.data(), static_cast<int>(buffer.size()));
          if (n <= 0) result->error = "in-memory client read failed";
          else received += static_cast<size_t>(n);
        }
        result->operations += kBatch;
      }
      result->wall_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
    }
  }
  SSL_CTX_free(server_context);
  SSL_CTX_free(client_context);
}

}  // namespace siptls
