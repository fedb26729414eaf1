#include "load_runs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "proc_cpu.h"
#include "../../native/socket_batch.h"

namespace siptls {

namespace {

constexpr int kMaxEvents = 512;
// One batched read: a whole TLS record fits.
constexpr size_t kReadSlotSize = 17 * 1024;
constexpr uint32_t kLoopbackSources = 64;
constexpr int kWaitMillis = 10;
constexpr uint64_t kMillis = 1'000'000ull;
constexpr uint64_t kTimeoutScanNs = 100 * kMillis;
constexpr uint64_t kDrainNs = 3000 * kMillis;
// A run whose connections keep failing with nothing succeeding stops instead of spinning.
constexpr uint64_t kMaxConsecutiveFailures = 500;

// CPU time of the watched processes and of this load generator over one measuring window.
class CpuWindow {
 public:
  void Begin(const std::vector<pid_t>& watch) {
    watch_ = watch;
    start_.clear();
    for (pid_t pid : watch_) start_.push_back(ProcessCpuSeconds(pid));
    thread_start_ = ThreadCpuSeconds();
    process_start_ = ProcessCpuSeconds(getpid());
  }
  void End(RunResult* result) {
    result->watched_cpu_seconds.clear();
    for (size_t i = 0; i < watch_.size(); i++) {
      double now = ProcessCpuSeconds(watch_[i]);
      result->watched_cpu_seconds.emplace_back(watch_[i], now < 0 || start_[i] < 0 ? -1 : now - start_[i]);
    }
    result->loadgen_thread_cpu_seconds = ThreadCpuSeconds() - thread_start_;
    result->loadgen_process_cpu_seconds = ProcessCpuSeconds(getpid()) - process_start_;
  }

 private:
  std::vector<pid_t> watch_;
  std::vector<double> start_;
  double thread_start_ = 0;
  double process_start_ = 0;
};

void NoteFailure(RunResult* result, const ClientConnection& connection) {
  result->failures[connection.failure_kind()]++;
  if (result->first_error.empty()) result->first_error = connection.error();
}

}  // namespace

bool ResolveNumeric(const std::string& host, int port, Target* target) {
  target->host = host;
  target->port = port;
  std::memset(&target->address, 0, sizeof(target->address));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&target->address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&target->address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    target->address_length = sizeof(sockaddr_in);
    target->sources.clear();
    if ((ntohl(v4->sin_addr.s_addr) >> 24) == 127) {
      // 127.A.B.1..64, A.B from the PID, so each load generator process has its own sources.
      uint32_t tag = static_cast<uint32_t>(getpid());
      for (uint32_t i = 1; i <= kLoopbackSources; i++) {
        sockaddr_in source{};
        source.sin_family = AF_INET;
        source.sin_addr.s_addr = htonl((127u << 24) | ((1 + tag % 250) << 16) | (((tag / 250) % 256) << 8) | i);
        target->sources.push_back(source);
      }
    }
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    target->address_length = sizeof(sockaddr_in6);
    target->host = "[" + host + "]";
    return true;
  }
  return false;
}

SSL_CTX* NewClientContext(bool tls13_only) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) return nullptr;
  if (tls13_only) {
    SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
  }
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  // No client session cache: TLS 1.3 tickets the server sends are read and dropped, and no
  // handshake is ever resumed (SSL_CTX_set_session_cache_mode(3)).
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
  // RELEASE_BUFFERS keeps 19,000 idle client connections small (SSL_CTX_set_mode(3)).
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                SSL_MODE_RELEASE_BUFFERS);
  // Read-ahead: one read() per readiness instead of two per record (header, then body).
  SSL_CTX_set_read_ahead(context, 1);
  return context;
}

void RunHandshakes(const Target& target, bool tls13_only, const HandshakeRunOptions& options,
                   RunResult* result) {
  SSL_CTX* context = NewClientContext(tls13_only);
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (context == nullptr || epoll_fd < 0) {
    result->fatal = "cannot create the client TLS context or epoll set";
    if (context != nullptr) SSL_CTX_free(context);
    if (epoll_fd >= 0) close(epoll_fd);
    return;
  }
  struct Slot {
    ClientConnection connection;
    uint32_t generation = 0;
    bool active = false;
  };
  std::vector<Slot> slots(static_cast<size_t>(options.concurrency));
  size_t active = 0;
  uint64_t consecutive_failures = 0;
  bool stopping = false;

  auto launch = [&](size_t index, uint64_t now) {
    Slot& slot = slots[index];
    slot.generation++;
    uint64_t tag = (static_cast<uint64_t>(slot.generation) << 32) | index;
    if (slot.connection.Start(target, context, epoll_fd, tag, now)) {
      slot.active = true;
      active++;
    } else {
      NoteFailure(result, slot.connection);
      consecutive_failures++;
    }
  };
  auto finish = [&](Slot& slot) {
    slot.connection.Abort();
    slot.active = false;
    active--;
  };

  CpuWindow window;
  uint64_t start = MonotonicNanos();
  uint64_t deadline = start + options.duration_ns;
  uint64_t hard_deadline = deadline + options.connection_timeout_ns;
  uint64_t window_end = 0;
  uint64_t last_scan = start;
  window.Begin(options.watch);
  epoll_event events[kMaxEvents];
  for (;;) {
    uint64_t now = MonotonicNanos();
    bool limit_reached = options.max_count > 0 && result->completed >= options.max_count;
    if (!stopping && (now >= deadline || limit_reached || consecutive_failures >= kMaxConsecutiveFailures)) {
      stopping = true;
      window_end = now;
      window.End(result);
      if (consecutive_failures >= kMaxConsecutiveFailures) result->fatal = "every connection failed: " + result->first_error;
    }
    if (stopping && active == 0) break;
    if (now >= hard_deadline) break;
    if (!stopping) {
      for (size_t i = 0; i < slots.size(); i++) {
        if (!slots[i].active) launch(i, now);
      }
    }
    int count = epoll_wait(epoll_fd, events, kMaxEvents, kWaitMillis);
    now = MonotonicNanos();
    for (int e = 0; e < count; e++) {
      size_t index = static_cast<size_t>(events[e].data.u64 & 0xffffffffu);
      uint32_t generation = static_cast<uint32_t>(events[e].data.u64 >> 32);
      Slot& slot = slots[index];
      if (!slot.active || slot.generation != generation) continue;  // stale event of a closed one
      ClientConnection& connection = slot.connection;
      DriveProgress progress;
      connection.Drive(events[e].events, now, &progress, &result->latency);
      if (progress.handshake_done) {
        if (!stopping) {
          result->handshakes++;
          result->handshake_latency.Record(connection.handshake_done_at() - connection.started_at());
        }
        connection.QueueRequests(1, now);
        connection.Flush();
      }
      if (progress.responses > 0) {
        if (!stopping) {
          result->completed++;
          if (progress.non_200 > 0) result->failures["status"]++;
        }
        consecutive_failures = 0;
        finish(slot);
      } else if (connection.state() == ClientConnection::State::kFailed) {
        if (!stopping) NoteFailure(result, connection);
        consecutive_failures++;
        finish(slot);
      }
    }
    if (now - last_scan >= kTimeoutScanNs) {
      last_scan = now;
      for (Slot& slot : slots) {
        if (slot.active && now - slot.connection.started_at() > options.connection_timeout_ns) {
          slot.connection.Fail("no handshake and response within the connection timeout");
          if (!stopping) result->failures["timeout"]++;
          finish(slot);
        }
      }
    }
  }
  if (!stopping) window.End(result);
  result->window_seconds = static_cast<double>((window_end ? window_end : MonotonicNanos()) - start) / 1e9;
  for (Slot& slot : slots) slot.connection.Abort();
  close(epoll_fd);
  SSL_CTX_free(context);
}

ClientPool::ClientPool(Target target, bool tls13_only)
    : target_(std::move(target)), context_(NewClientContext(tls13_only)), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

ClientPool::~ClientPool() {
  connections_.clear();  // each closes with an RST
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (context_ != nullptr) SSL_CTX_free(context_);
}

size_t ClientPool::open_count() const {
  size_t open = 0;
  for (const auto& connection : connections_) {
    if (connection->state() == ClientConnection::State::kReady) open++;
  }
  return open;
}

void ClientPool::Open(size_t count, int concurrency, uint64_t timeout_ns, RunResult* result) {
  if (context_ == nullptr || epoll_fd_ < 0) {
    result->fatal = "cannot create the client TLS context or epoll set";
    return;
  }
  size_t begin = connections_.size();
  size_t end = begin + count;
  size_t next = begin;
  size_t active = 0;
  uint64_t consecutive_failures = 0;
  uint64_t start = MonotonicNanos();
  uint64_t deadline = start + timeout_ns;
  connections_.reserve(end);
  auto pending = [&](size_t index) {
    if (index < begin || index >= connections_.size()) return false;
    ClientConnection::State state = connections_[index]->state();
    return state == ClientConnection::State::kConnecting || state == ClientConnection::State::kHandshaking ||
           (state == ClientConnection::State::kReady && connections_[index]->in_flight() > 0);
  };
  epoll_event events[kMaxEvents];
  for (;;) {
    uint64_t now = MonotonicNanos();
    while (active < static_cast<size_t>(concurrency) && next < end && consecutive_failures < kMaxConsecutiveFailures) {
      connections_.push_back(std::make_unique<ClientConnection>());
      if (connections_.back()->Start(target_, context_, epoll_fd_, next, now)) {
        active++;
      } else {
        NoteFailure(result, *connections_.back());
        consecutive_failures++;
      }
      next++;
    }
    if (active == 0) break;
    if (now >= deadline) {
      for (size_t i = begin; i < connections_.size(); i++) {
        if (pending(i)) {
          connections_[i]->Fail("not open within the pool timeout");
          result->failures["timeout"]++;
        }
      }
      break;
    }
    int ready = epoll_wait(epoll_fd_, events, kMaxEvents, kWaitMillis);
    now = MonotonicNanos();
    for (int e = 0; e < ready; e++) {
      size_t index = static_cast<size_t>(events[e].data.u64);
      if (!pending(index)) continue;
      ClientConnection& connection = *connections_[index];
      DriveProgress progress;
      connection.Drive(events[e].events, now, &progress, &result->latency);
      if (progress.handshake_done) {
        result->handshakes++;
        result->handshake_latency.Record(connection.handshake_done_at() - connection.started_at());
        connection.QueueRequests(1, now);
        connection.Flush();
      }
      if (progress.responses > 0) {
        result->completed++;
        consecutive_failures = 0;
        active--;
      } else if (connection.state() == ClientConnection::State::kFailed) {
        NoteFailure(result, connection);
        consecutive_failures++;
        active--;
      }
    }
  }
  if (consecutive_failures >= kMaxConsecutiveFailures) result->fatal = "every connection failed: " + result->first_error;
  result->window_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
}

void ClientPool::RunTransactions(int depth, uint64_t duration_ns, const std::vector<pid_t>& watch,
                                 RunResult* result) {
  // The client side must cost less than the server it measures: its sockets are read and written
  // in batches too (SocketBatch: one io_uring_enter for all of them), over memory BIOs.
  SocketBatch batch(true);
  std::vector<uint8_t> slots(SocketBatch::kMaxOps * kReadSlotSize);
  std::vector<size_t> readable;
  std::vector<size_t> sending;
  std::vector<size_t> ops;
  uint64_t outstanding = 0;
  bool stopping = false;
  LatencyHistogram drained;  // responses after the window: waited for, not counted
  // A failed connection's requests are no longer waited for.
  auto dropped = [&](ClientConnection& connection, size_t in_flight) {
    outstanding -= in_flight;
    if (!stopping) NoteFailure(result, connection);
  };
  auto queue = [&](size_t index, int count, uint64_t now) {
    ClientConnection& connection = *connections_[index];
    connection.QueueRequests(count, now);
    outstanding += static_cast<uint64_t>(count);
    size_t in_flight = connection.in_flight();
    if (connection.Encrypt()) {
      sending.push_back(index);
    } else {
      dropped(connection, in_flight);
    }
  };
  auto send_all = [&]() {
    // A connection both writable (EPOLLOUT) and answered is listed twice: its bytes go once.
    std::sort(sending.begin(), sending.end());
    sending.erase(std::unique(sending.begin(), sending.end()), sending.end());
    for (size_t next = 0; next < sending.size();) {
      batch.Clear();
      ops.clear();
      for (; next < sending.size() && !batch.Full(); next++) {
        ClientConnection& connection = *connections_[sending[next]];
        const uint8_t* data = nullptr;
        size_t len = connection.state() == ClientConnection::State::kReady ? connection.PendingCiphertext(&data) : 0;
        if (len == 0) continue;
        ByteSpan span{data, len};
        batch.AddSend(connection.fd(), &span, 1);
        ops.push_back(sending[next]);
      }
      batch.Run();
      for (size_t op = 0; op < ops.size(); op++) {
        ClientConnection& connection = *connections_[ops[op]];
        ssize_t sent = batch.Result(op);
        if (sent < 0 && sent != -EAGAIN) {
          size_t in_flight = connection.in_flight();
          connection.Fail(std::string("write: ") + strerror(static_cast<int>(-sent)));
          dropped(connection, in_flight);
          continue;
        }
        connection.Sent(sent > 0 ? static_cast<size_t>(sent) : 0);  // the rest waits for EPOLLOUT
      }
    }
    sending.clear();
  };

  uint64_t start = MonotonicNanos();
  CpuWindow window;
  window.Begin(watch);
  for (size_t i = 0; i < connections_.size(); i++) {
    ClientConnection& connection = *connections_[i];
    if (connection.state() != ClientConnection::State::kReady || !connection.UseMemoryBios()) continue;
    // Requests of an earlier run on this pool whose answers its drain did not wait for count
    // toward the depth.
    size_t left = connection.in_flight();
    outstanding += left;
    if (left < static_cast<size_t>(depth)) queue(i, depth - static_cast<int>(left), start);
  }
  send_all();
  uint64_t deadline = start + duration_ns;
  uint64_t drain_deadline = deadline + kDrainNs;
  uint64_t window_end = 0;
  epoll_event events[kMaxEvents];
  for (;;) {
    uint64_t now = MonotonicNanos();
    if (!stopping && now >= deadline) {
      stopping = true;
      window_end = now;
      window.End(result);
    }
    if (stopping && (outstanding == 0 || now >= drain_deadline)) break;
    int ready = epoll_wait(epoll_fd_, events, kMaxEvents, kWaitMillis);
    now = MonotonicNanos();
    readable.clear();
    for (int e = 0; e < ready; e++) {
      size_t index = static_cast<size_t>(events[e].data.u64);
      if (index >= connections_.size() || connections_[index]->state() != ClientConnection::State::kReady) continue;
      if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) readable.push_back(index);
      if (events[e].events & EPOLLOUT) sending.push_back(index);
    }
    for (size_t next = 0; next < readable.size();) {
      batch.Clear();
      ops.clear();
      for (; next < readable.size() && !batch.Full(); next++) {
        batch.AddRecv(connections_[readable[next]]->fd(), slots.data() + batch.Size() * kReadSlotSize, kReadSlotSize);
        ops.push_back(readable[next]);
      }
      batch.Run();
      for (size_t op = 0; op < ops.size(); op++) {
        ClientConnection& connection = *connections_[ops[op]];
        ssize_t got = batch.Result(op);
        if (got == -EAGAIN) continue;
        size_t in_flight = connection.in_flight();
        DriveProgress progress;
        if (got <= 0) {
          connection.Fail(got == 0 ? "closed by the server" : std::string("read: ") + strerror(static_cast<int>(-got)));
        } else {
          connection.OnBytes(slots.data() + op * kReadSlotSize, static_cast<size_t>(got), now, &progress,
                             stopping ? &drained : &result->latency);
        }
        outstanding -= static_cast<uint64_t>(progress.responses);
        if (connection.state() == ClientConnection::State::kFailed) {
          dropped(connection, in_flight - static_cast<size_t>(progress.responses));
          continue;
        }
        if (stopping || progress.responses == 0) continue;
        result->completed += static_cast<uint64_t>(progress.responses);
        if (progress.non_200 > 0) result->failures["status"] += static_cast<uint64_t>(progress.non_200);
        queue(ops[op], progress.responses, now);
      }
    }
    send_all();
  }
  result->window_seconds = static_cast<double>(window_end - start) / 1e9;
}

}  // namespace siptls
