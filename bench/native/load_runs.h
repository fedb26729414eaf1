// The load generator's runs. Each runs on one thread with its own epoll set, is bounded in
// time and count, and samples the CPU time of the watched (server) processes at the exact
// edges of its measuring window.
#ifndef SIPTLS_BENCH_LOAD_RUNS_H_
#define SIPTLS_BENCH_LOAD_RUNS_H_

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client_connection.h"
#include "latency_histogram.h"

namespace siptls {

// Fills `target` from a numeric IPv4/IPv6 address. Returns false for anything else.
bool ResolveNumeric(const std::string& host, int port, Target* target);

// A TLS client context whose every handshake is full: TLS 1.3 only (or any version when
// `tls13_only` is false), no session cache, no tickets kept, no certificate verification (the
// servers under test use throwaway certificates; verification would only add client CPU).
SSL_CTX* NewClientContext(bool tls13_only);

// What a run measured. Counts cover the measuring window only.
struct RunResult {
  uint64_t completed = 0;
  uint64_t handshakes = 0;
  std::map<std::string, uint64_t> failures;  // by kind: connect, handshake, io, timeout, status
  std::string first_error;
  double window_seconds = 0;
  LatencyHistogram handshake_latency;  // connect() to handshake done, client side
  LatencyHistogram latency;            // request to response
  std::vector<std::pair<pid_t, double>> watched_cpu_seconds;  // CPU used in the window
  double loadgen_thread_cpu_seconds = 0;
  double loadgen_process_cpu_seconds = 0;
  std::string fatal;  // set when the run could not start at all
};

struct HandshakeRunOptions {
  int concurrency = 16;
  uint64_t duration_ns = 0;
  uint64_t max_count = 0;
  uint64_t connection_timeout_ns = 10'000'000'000ull;
  std::vector<pid_t> watch;
};

// Opens connections back to back, `concurrency` at a time: full handshake, one OPTIONS
// transaction (proving the server finished its side of the handshake), then an abortive close.
// Stops starting new ones after `duration_ns` or `max_count` completions.
void RunHandshakes(const Target& target, bool tls13_only, const HandshakeRunOptions& options,
                   RunResult* result);

// Connections opened once and kept: for idle memory and for transactions.
class ClientPool {
 public:
  ClientPool(Target target, bool tls13_only);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // Opens `count` connections, `concurrency` handshakes in flight, each confirmed by one OPTIONS
  // transaction; gives up after `timeout_ns`. result->completed = connections now open.
  void Open(size_t count, int concurrency, uint64_t timeout_ns, RunResult* result);

  // Keeps `depth` OPTIONS transactions in flight on every open connection for `duration_ns`.
  void RunTransactions(int depth, uint64_t duration_ns, const std::vector<pid_t>& watch, RunResult* result);

  size_t open_count() const;
  bool busy = false;  // set by the JS thread while a run uses the pool

 private:
  Target target_;
  SSL_CTX* context_;
  int epoll_fd_;
  std::vector<std::unique_ptr<ClientConnection>> connections_;
};

}  // namespace siptls

#endif  // SIPTLS_BENCH_LOAD_RUNS_H_
