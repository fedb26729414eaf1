// The transport's loop state; see io_loop.h.
#include "io_loop.h"

#include <limits>

#include "tls_connection.h"
#include "tls_listener.h"

namespace siptls {

namespace {
constexpr uint64_t kSweepIntervalMs = 1000;
}

IoLoop::IoLoop(Napi::Env env, uv_loop_t* loop, std::shared_ptr<AddonData> addon,
               Napi::Function on_events, IoLoop** owner)
    : env_(env),
      loop_(loop),
      owner_(owner),
      addon_(std::move(addon)),
      on_events_(Napi::Persistent(on_events)),
      read_buffer_(new char[kReadBufferSize]),
      plain_buffer_(new uint8_t[kPlainBufferSize]),
      write_scratch_(new uint8_t[kWriteScratchSize]) {
  uv_check_init(loop_, &check_);
  uv_idle_init(loop_, &idle_);
  uv_timer_init(loop_, &sweep_);
  check_.data = idle_.data = sweep_.data = this;
  open_handles_ = 3;
  // Neither handle keeps the process alive: listeners and connections do.
  uv_check_start(&check_, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_timer_start(&sweep_, OnSweep, kSweepIntervalMs, kSweepIntervalMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&sweep_));
  napi_add_async_cleanup_hook(env_, OnEnvTeardown, this, &cleanup_hook_);
}

IoLoop::~IoLoop() {
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
  on_events_.Reset();
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

void IoLoop::AddConnection(TlsConnection* connection) {
  connections_[connection->Id()] = connection;
  counters_.opened++;
}

void IoLoop::RemoveConnection(uint32_t id) {
  if (connections_.erase(id) > 0) counters_.opened--;
}

TlsConnection* IoLoop::FindConnection(uint32_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void IoLoop::AddListener(TlsListener* listener) { listeners_[listener->Id()] = listener; }

void IoLoop::RemoveListener(uint32_t id) { listeners_.erase(id); }

TlsListener* IoLoop::FindListener(uint32_t id) const {
  auto it = listeners_.find(id);
  return it == listeners_.end() ? nullptr : it->second;
}

void IoLoop::MarkDirty(TlsConnection* connection) {
  if (connection->dirty) return;
  connection->dirty = true;
  dirty_.push_back(connection->Id());
  WakeUp();
}

uint8_t* IoLoop::ClaimWriteScratch(const TlsConnection* connection) {
  if (scratch_user_ != nullptr) return nullptr;
  scratch_user_ = connection;
  return write_scratch_.get();
}

void IoLoop::ReleaseWriteScratch(const TlsConnection* connection) {
  if (scratch_user_ == connection) scratch_user_ = nullptr;
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
  if (!self->shut_down_) self->FlushDirty();
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
  used += connections_.size() * kConnectionEstimate;
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
