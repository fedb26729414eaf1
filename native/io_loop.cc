// The transport's loop state; see io_loop.h.
#include "io_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "tls_connection.h"
#include "tls_listener.h"

namespace siptls {

namespace {

constexpr uint64_t kSweepIntervalMs = 1000;
// Ready sockets taken per epoll_wait; more are taken in further rounds of the same turn.
constexpr int kMaxEvents = 256;
constexpr int kMaxEpollRounds = 8;
// Read rounds per turn for connections whose read filled its slot.
constexpr int kMaxReadRounds = 4;
// The epoll data of a listener has this bit; a connection's is its id.
constexpr uint64_t kListenerKey = uint64_t{1} << 32;

// SIP_TLS_IO_URING=0 keeps the batches on plain system calls (see socket_batch.h).
bool IoUringWanted() {
  const char* value = std::getenv("SIP_TLS_IO_URING");
  return value == nullptr || std::strcmp(value, "0") != 0;
}

}  // namespace

IoLoop::IoLoop(Napi::Env env, uv_loop_t* loop, std::shared_ptr<AddonData> addon,
               Napi::Function on_events, IoLoop** owner, int epoll_fd)
    : env_(env),
      loop_(loop),
      owner_(owner),
      addon_(std::move(addon)),
      on_events_(Napi::Persistent(on_events)),
      epoll_fd_(epoll_fd),
      reserve_fd_(open("/dev/null", O_RDONLY | O_CLOEXEC)),
      socket_batch_(IoUringWanted()),
      read_slots_(new uint8_t[SocketBatch::kMaxOps * kReadSlotSize]),
      plain_buffer_(new uint8_t[kPlainBufferSize]),
      write_arena_(new uint8_t[kWriteArenaSize]) {
  uv_poll_init(loop_, &epoll_watch_, epoll_fd_);
  uv_check_init(loop_, &check_);
  uv_idle_init(loop_, &idle_);
  uv_timer_init(loop_, &sweep_);
  epoll_watch_.data = check_.data = idle_.data = sweep_.data = this;
  open_handles_ = 4;
  uv_poll_start(&epoll_watch_, UV_READABLE, OnEpollReady);
  UpdateLoopRef();
  // Neither handle keeps the process alive: listeners and connections do.
  uv_check_start(&check_, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_timer_start(&sweep_, OnSweep, kSweepIntervalMs, kSweepIntervalMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&sweep_));
  napi_add_async_cleanup_hook(env_, OnEnvTeardown, this, &cleanup_hook_);
}

IoLoop::~IoLoop() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
  // Every handle is closed: the environment may finish tearing down.
  if (cleanup_hook_ != nullptr) napi_remove_async_cleanup_hook(cleanup_hook_);
}

void IoLoop::OnEnvTeardown(napi_async_cleanup_hook_handle, void* arg) {
  static_cast<IoLoop*>(arg)->Shutdown();
}

void IoLoop::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (owner_ != nullptr) *owner_ = nullptr;
  owner_ = nullptr;
  std::vector<TlsListener*> listeners;
  for (auto& entry : listeners_) listeners.push_back(entry.second);
  for (TlsListener* listener : listeners) listener->Close();
  std::vector<TlsConnection*> connections;
  for (auto& entry : connections_) connections.push_back(entry.second);
  for (TlsConnection* connection : connections) connection->Close("transport shut down", "", false);
  FreeRetired();
  on_events_.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&epoll_watch_), OnOwnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), OnOwnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), OnOwnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweep_), OnOwnHandleClosed);
}

void IoLoop::OnOwnHandleClosed(uv_handle_t* handle) {
  static_cast<IoLoop*>(handle->data)->HandleClosed();
}

void IoLoop::HandleClosed() {
  if (--open_handles_ == 0 && shut_down_) delete this;
}

void IoLoop::UpdateLoopRef() {
  auto* handle = reinterpret_cast<uv_handle_t*>(&epoll_watch_);
  if (listeners_.empty() && connections_.empty()) {
    uv_unref(handle);
  } else {
    uv_ref(handle);
  }
}

void IoLoop::AddConnection(TlsConnection* connection) {
  connections_[connection->Id()] = connection;
  counters_.opened++;
  UpdateLoopRef();
}

void IoLoop::RemoveConnection(uint32_t id) {
  if (connections_.erase(id) > 0) counters_.opened--;
  UpdateLoopRef();
}

TlsConnection* IoLoop::FindConnection(uint32_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void IoLoop::Retire(TlsConnection* connection) { retired_.push_back(connection); }

void IoLoop::FreeRetired() {
  for (TlsConnection* connection : retired_) delete connection;
  retired_.clear();
}

void IoLoop::AddListener(TlsListener* listener) {
  listeners_[listener->Id()] = listener;
  UpdateLoopRef();
}

void IoLoop::RemoveListener(uint32_t id) {
  listeners_.erase(id);
  UpdateLoopRef();
}

TlsListener* IoLoop::FindListener(uint32_t id) const {
  auto it = listeners_.find(id);
  return it == listeners_.end() ? nullptr : it->second;
}

bool IoLoop::WatchListener(int fd, uint32_t id) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenerKey | id;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool IoLoop::WatchConnection(int fd, uint32_t id, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = id;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool IoLoop::RewatchConnection(int fd, uint32_t id, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = id;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0;
}

int IoLoop::AcceptWithReserve(int listen_fd) {
  if (reserve_fd_ < 0) return -1;
  close(reserve_fd_);
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

void IoLoop::MarkReadable(TlsConnection* connection) {
  if (connection->read_ready) return;
  connection->read_ready = true;
  readable_.push_back(connection->Id());
}

void IoLoop::MarkDirty(TlsConnection* connection) {
  if (connection->dirty) return;
  connection->dirty = true;
  dirty_.push_back(connection->Id());
  WakeUp();
}

void IoLoop::MarkPendingWrite(TlsConnection* connection) {
  if (connection->write_pending) return;
  connection->write_pending = true;
  pending_writes_.push_back(connection->Id());
  WakeUp();
}

uint8_t* IoLoop::ClaimWriteRegion(const TlsConnection* connection, size_t* capacity) {
  if (region_user_ != nullptr) return nullptr;
  if (arena_used_ + kMinWriteRegion > kWriteArenaSize) SubmitWrites();
  region_user_ = connection;
  *capacity = kWriteArenaSize - arena_used_;
  return write_arena_.get() + arena_used_;
}

void IoLoop::CommitWriteRegion(const TlsConnection* connection, size_t used) {
  if (region_user_ != connection) return;
  arena_used_ += used;
  region_user_ = nullptr;
}

void IoLoop::OnEpollReady(uv_poll_t* handle, int, int) {
  auto* self = static_cast<IoLoop*>(handle->data);
  if (self->shut_down_) return;
  self->DispatchReady();
  self->ReadReady();
  self->SubmitWrites();
}

void IoLoop::DispatchReady() {
  epoll_event events[kMaxEvents];
  for (int round = 0; round < kMaxEpollRounds; round++) {
    int ready = epoll_wait(epoll_fd_, events, kMaxEvents, 0);
    for (int i = 0; i < ready && !shut_down_; i++) {
      uint64_t key = events[i].data.u64;
      if (key & kListenerKey) {
        TlsListener* listener = FindListener(static_cast<uint32_t>(key));
        if (listener != nullptr) listener->AcceptPending();
      } else {
        TlsConnection* connection = FindConnection(static_cast<uint32_t>(key));
        if (connection != nullptr) connection->OnSocketEvents(events[i].events);
      }
    }
    if (ready < kMaxEvents) return;
  }
}

void IoLoop::ReadReady() {
  for (int round = 0; round < kMaxReadRounds && !readable_.empty() && !shut_down_; round++) {
    reading_.swap(readable_);
    size_t next = 0;
    while (next < reading_.size()) {
      socket_batch_.Clear();
      read_ids_.clear();
      for (; next < reading_.size() && !socket_batch_.Full(); next++) {
        TlsConnection* connection = FindConnection(reading_[next]);
        if (connection == nullptr || !connection->read_ready) continue;
        connection->read_ready = false;
        if (!connection->Reading()) continue;
        uint8_t* slot = read_slots_.get() + socket_batch_.Size() * kReadSlotSize;
        socket_batch_.AddRecv(connection->Fd(), slot, kReadSlotSize);
        read_ids_.push_back(connection->Id());
      }
      counters_.socket_reads += read_ids_.size();
      counters_.socket_batches++;
      socket_batch_.Run();
      // The batch is free again: a handshake's flight may be sent before the next read is handled.
      read_results_.resize(read_ids_.size());
      for (size_t op = 0; op < read_ids_.size(); op++) read_results_[op] = socket_batch_.Result(op);
      // A result may belong to a connection a write batch (sent from a Drive) closed meanwhile:
      // each is looked up again.
      for (size_t op = 0; op < read_ids_.size(); op++) {
        TlsConnection* connection = FindConnection(read_ids_[op]);
        if (connection == nullptr) continue;
        ssize_t result = read_results_[op];
        connection->OnReadResult(result, read_slots_.get() + op * kReadSlotSize);
        // A handshake flight goes out at once: the peer works on it while the next ClientHello of
        // the batch is handled (each costs hundreds of microseconds). The write batch this sends
        // takes every pending write; only when no handshake is in the batch do the records of
        // established connections wait for its end.
        if (connection->write_pending && connection->State() != ConnState::kEstablished) SubmitWrites();
        // A full slot: the socket may hold more; read it again in the next round.
        if (result == static_cast<ssize_t>(kReadSlotSize) && connection->Reading()) {
          MarkReadable(connection);
        }
      }
    }
    reading_.clear();
  }
}

void IoLoop::SubmitWrites() {
  ByteSpan spans[SocketBatch::kMaxSpans];
  size_t next = 0;
  while (next < pending_writes_.size()) {
    socket_batch_.Clear();
    write_ids_.clear();
    for (; next < pending_writes_.size() && !socket_batch_.Full(); next++) {
      TlsConnection* connection = FindConnection(pending_writes_[next]);
      if (connection == nullptr || !connection->write_pending) continue;
      connection->write_pending = false;
      size_t count = connection->PeekCiphertext(spans, SocketBatch::kMaxSpans);
      if (count == 0) continue;
      socket_batch_.AddSend(connection->Fd(), spans, count);
      write_ids_.push_back(connection->Id());
    }
    counters_.socket_writes += write_ids_.size();
    counters_.socket_batches++;
    socket_batch_.Run();
    for (size_t op = 0; op < write_ids_.size(); op++) {
      TlsConnection* connection = FindConnection(write_ids_[op]);
      if (connection != nullptr) connection->OnSendResult(socket_batch_.Result(op));
    }
  }
  pending_writes_.clear();
  // Every record in the arena was sent or moved to its connection's queue.
  arena_used_ = 0;
}

void IoLoop::WakeUp() {
  if (idle_active_ || delivering_ || shut_down_) return;
  // An active idle handle makes the poll phase return at once, so the check runs this turn.
  uv_idle_start(&idle_, OnIdle);
  idle_active_ = true;
}

void IoLoop::OnIdle(uv_idle_t*) {}

void IoLoop::OnCheck(uv_check_t* handle) {
  auto* self = static_cast<IoLoop*>(handle->data);
  if (self->idle_active_) {
    uv_idle_stop(&self->idle_);
    self->idle_active_ = false;
  }
  self->Deliver();
  if (!self->shut_down_) {
    self->FlushDirty();
    self->SubmitWrites();
  }
  self->FreeRetired();
}

void IoLoop::Deliver() {
  // Sends JS makes while handling the batch are flushed right after (FlushDirty), and closes
  // it causes go into the next batch; repeat while the batch refills, bounded.
  for (int round = 0; round < 4 && !batch_.Empty() && !shut_down_; round++) {
    Napi::HandleScope scope(env_);
    std::vector<napi_value> args;
    batch_.TakeInto(env_, &args);
    delivering_ = true;
    on_events_.MakeCallback(env_.Global(), args);
    delivering_ = false;
    if (env_.IsExceptionPending()) {
      // An exception from an event handler is the application's: report it like Node does for
      // any callback from the loop ('uncaughtException'), and keep the transport running.
      Napi::Error error = env_.GetAndClearPendingException();
      napi_fatal_exception(env_, error.Value());
    }
    FlushDirty();
    SubmitWrites();
  }
  if (!batch_.Empty()) WakeUp();
}

void IoLoop::FlushDirty() {
  // Flushing may mark connections again (a close's events); those wait for the next round.
  flushing_.swap(dirty_);
  for (uint32_t id : flushing_) {
    TlsConnection* connection = FindConnection(id);
    if (connection != nullptr && connection->dirty) connection->Flush();
  }
  flushing_.clear();
  // Every connection that sent this turn has taken its text (closed ones dropped theirs).
  if (dirty_.empty()) turn_text_.Clear();
}

void IoLoop::OnSweep(uv_timer_t* handle) {
  auto* self = static_cast<IoLoop*>(handle->data);
  uint64_t now = self->NowMs();
  std::vector<TlsConnection*> connections;
  connections.reserve(self->connections_.size());
  for (auto& entry : self->connections_) connections.push_back(entry.second);
  // Sweep closes connections, which removes them from the map: iterate over a copy.
  for (TlsConnection* connection : connections) connection->Sweep(now);
}

size_t IoLoop::MemoryInUse() const {
  BufferPoolStats pool = addon_->Pool().Stats();
  size_t used = (pool.in_use + pool.free) * pool.block_size;
  used += batch_.MessageBytes();
  used += turn_text_.Bytes();
  used += static_cast<size_t>(partial_bytes_ > 0 ? partial_bytes_ : 0);
  size_t own = static_cast<size_t>(own_records_connections_);
  used += (connections_.size() - own) * kConnectionEstimate + own * kOwnRecordsConnectionEstimate;
  return used;
}

size_t IoLoop::MemoryAvailable() const {
  if (limits_.memory_budget == 0) return std::numeric_limits<size_t>::max();
  size_t used = MemoryInUse();
  return used >= limits_.memory_budget ? 0 : limits_.memory_budget - used;
}

bool IoLoop::BelowThreshold1() {
  if (limits_.low_mem_threshold1 == 0 || MemoryAvailable() >= limits_.low_mem_threshold1) {
    return false;
  }
  counters_.refused_low_mem1++;
  return true;
}

bool IoLoop::BelowThreshold2() {
  if (limits_.low_mem_threshold2 == 0 || MemoryAvailable() >= limits_.low_mem_threshold2) {
    return false;
  }
  counters_.failed_low_mem2++;
  return true;
}

}  // namespace siptls
