// The transport's tunables and counters, set from TS (module parameters) and read by the
// listener, the connections and the sweep. Plain data: no OpenSSL, no libuv.
#ifndef SIPTLS_IO_LIMITS_H_
#define SIPTLS_IO_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace siptls {

struct IoLimits {
  int64_t max_connections = 2048;        // tls_max_connections (core); <0 = unlimited
  int64_t idle_timeout_ms = 600000;      // connection_timeout; <0 = never
  int64_t connect_timeout_ms = 10000;    // tcp_connect_timeout: TCP connect + handshake
  int64_t send_timeout_ms = 10000;       // tcp_send_timeout: ciphertext stuck in the kernel queue
  size_t con_ct_wq_max = 64 * 1024;      // con_ct_wq_max: clear text waiting for the handshake
  size_t ct_wq_max = 10 * 1024 * 1024;   // ct_wq_max: clear text queued over all connections
  size_t ct_wq_blk_size = 4096;          // ct_wq_blk_size: accounting granularity of the queue
  size_t con_wq_max = 256 * 1024;        // established: clear text + ciphertext not yet written
                                         // (Kamailio's core tcp_conn_wq_max)
  size_t max_message_size = 65536;       // largest SIP message accepted from a peer
  bool send_close_notify = false;        // send_close_notify
  bool own_records = true;               // tls13_record_layer: TLS 1.3 records run here
                                         // after the handshake (tls13_records.h)
  // Low memory (kamailio-behaviour.md §5). Bytes; 0 disables a check. The budget is the memory
  // the operator allows the module; "available" = budget - MemoryInUse(). No budget, no check.
  size_t memory_budget = 0;
  size_t low_mem_threshold1 = 0;         // below it: new accepts and connects are refused
  size_t low_mem_threshold2 = 0;         // below it: reads and sends on connections fail
};

struct IoCounters {
  uint64_t opened = 0;                   // connections currently open (tls.info opened_connections)
  uint64_t accepted = 0;
  uint64_t connected = 0;
  uint64_t refused_max_connections = 0;
  uint64_t refused_low_mem1 = 0;
  uint64_t failed_low_mem2 = 0;
  uint64_t ct_wq_bytes = 0;              // clear text queued while handshakes are pending
  uint64_t pings_answered = 0;
  uint64_t socket_reads = 0;             // socket receives (one per readable connection per batch)
  uint64_t socket_writes = 0;            // socket sends (one per connection per write batch)
  uint64_t socket_batches = 0;           // batches run (one io_uring_enter each with io_uring)
  uint64_t framing_errors = 0;
  uint64_t handshakes_done = 0;          // inbound and outbound (tls.info handshakes_done)
  uint64_t handshake_failures = 0;
  uint64_t idle_timeouts = 0;
  uint64_t handshake_timeouts = 0;
  uint64_t send_timeouts = 0;
};

}  // namespace siptls

#endif  // SIPTLS_IO_LIMITS_H_
