// IoLoop: the transport's state on Node's libuv loop. One per Transport object (one per
// TlsModule). It owns the sockets' epoll set, the batched socket I/O, the shared buffers, the
// listeners and connections, the per-turn event batch and the loop handles that drive them:
//   poll   libuv watches the transport's epoll set (one descriptor for every socket): when it is
//          ready, the listeners accept, the readable connections are read in one batch and
//          decrypted; a handshake flight is sent as soon as it is made, the other records this
//          made in one batch at the end;
//   check  after each poll phase: hands the event batch to JS (one call), then encrypts the
//          sends JS queued (coalesced per connection) and writes them in one batch;
//   idle   started only while sends wait, so the poll phase does not block before the check;
//   sweep  a 1 s timer: idle, handshake and send timeouts of every connection (one timer for
//          all connections instead of one each).
// A turn of N busy connections thus costs a few system calls, not 2N (socket_batch.h).
#ifndef SIPTLS_IO_LOOP_H_
#define SIPTLS_IO_LOOP_H_

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "addon_data.h"
#include "event_batch.h"
#include "io_limits.h"
#include "long_lived.h"
#include "socket_batch.h"
#include "turn_text.h"

namespace siptls {

class TlsConnection;
class TlsListener;

class IoLoop {
 public:
  // One read of the batch: a full TLS record (16 KiB + 256 + header) fits.
  static constexpr size_t kReadSlotSize = 17 * 1024;
  // The clear text of one Feed().
  static constexpr size_t kPlainBufferSize = 64 * 1024;
  // The records of a write batch are written here and sent from here; what does not fit or is
  // not sent at once goes to the connection's pool blocks. A step gets a region of at least
  // kMinWriteRegion bytes (the batch is sent first when less is left).
  static constexpr size_t kWriteArenaSize = 256 * 1024;
  static constexpr size_t kMinWriteRegion = 32 * 1024;

  // `owner` points at the owner's pointer to this loop; Shutdown() clears it, so the owner never
  // holds a loop that is going away. The loop owns `epoll_fd` (from epoll_create1(2)).
  IoLoop(Napi::Env env, uv_loop_t* loop, std::shared_ptr<AddonData> addon, Napi::Function on_events,
         IoLoop** owner, int epoll_fd);
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  // Closes every listener and connection (no events are delivered after this) and the loop
  // handles; the object deletes itself once libuv has closed them all. Also runs when the
  // environment tears down (process exit, worker end): Node keeps the loop running until the
  // last handle is closed, because the async cleanup hook stays registered until then
  // (napi_add_async_cleanup_hook); otherwise libuv would call into an unloaded addon.
  void Shutdown();
  bool IsShutDown() const { return shut_down_; }

  uv_loop_t* Loop() const { return loop_; }
  BufferPool& Pool() { return addon_->Pool(); }
  EventBatch& Batch() { return batch_; }
  IoLimits& Limits() { return limits_; }
  IoCounters& Counters() { return counters_; }
  // Whether the socket batches go through io_uring (else one system call per op).
  bool UsesIoUring() const { return socket_batch_.UsesIoUring(); }
  uint64_t NowMs() const { return uv_now(loop_); }
  // uv_now is when this loop turn started; a call from JS can come seconds later (JS ran that
  // long), so a connection's start and a send read the clock anew (uv_update_time(3)).
  uint64_t FreshNowMs() {
    uv_update_time(loop_);
    return uv_now(loop_);
  }

  uint8_t* PlainBuffer() { return plain_buffer_.get(); }
  // A region at the end of the write arena (`*capacity` bytes) for one connection's step, or
  // nullptr while a step holds one already. CommitWriteRegion() ends the step: `used` bytes of
  // the region stay taken until the write batch has sent them.
  uint8_t* ClaimWriteRegion(const TlsConnection* connection, size_t* capacity);
  void CommitWriteRegion(const TlsConnection* connection, size_t used);
  // Clear text sent to established connections this turn (see turn_text.h).
  TurnText& Turn() { return turn_text_; }

  // The epoll set. A listener's or connection's socket joins it once; close(2) takes it out.
  bool WatchListener(int fd, uint32_t id);
  bool WatchConnection(int fd, uint32_t id, uint32_t events);
  bool RewatchConnection(int fd, uint32_t id, uint32_t events);
  // Accepts one connection with the descriptor kept in reserve, for a listener out of
  // descriptors (EMFILE): returns the accepted socket (to be refused) or -1.
  int AcceptWithReserve(int listen_fd);
  // The connection is read in this turn's read batch / sent in the next write batch.
  void MarkReadable(TlsConnection* connection);
  void MarkPendingWrite(TlsConnection* connection);
  // A closed connection: freed at the end of the turn.
  void Retire(TlsConnection* connection);

  uint32_t NextId() { return ++last_id_; }
  void AddConnection(TlsConnection* connection);
  void RemoveConnection(uint32_t id);
  TlsConnection* FindConnection(uint32_t id) const;
  const auto& Connections() const { return connections_; }

  void AddListener(TlsListener* listener);
  void RemoveListener(uint32_t id);
  TlsListener* FindListener(uint32_t id) const;

  // A connection has clear text (or a pong) to encrypt: flush it in this turn's check phase.
  void MarkDirty(TlsConnection* connection);
  // Something was added to the batch: make sure the check phase runs without blocking first.
  void WakeUp();

  // Bytes the module uses now: pool blocks in use, the event batch, the turn's clear text,
  // partial messages held outside the pool, and an estimate per connection (see
  // kConnectionEstimate).
  size_t MemoryInUse() const;
  // memory_budget - MemoryInUse(), or SIZE_MAX without a budget.
  size_t MemoryAvailable() const;
  // Low-memory checks (kamailio-behaviour.md §5); each refusal is counted.
  bool BelowThreshold1();
  bool BelowThreshold2();
  void AddPartialBytes(ptrdiff_t delta) { partial_bytes_ += delta; }

  // Estimated memory of one connection besides pool blocks: our objects plus OpenSSL's SSL with
  // released buffers, or, once sip-tls runs the connection's TLS 1.3 records, our objects and
  // the record keys. The process's PSS grows by about 15 KiB and 3.5 KiB per idle connection at
  // 10k connections (test/integration/idle-connections.test.js, README "Benchmarks").
  static constexpr size_t kConnectionEstimate = 15 * 1024;
  static constexpr size_t kOwnRecordsConnectionEstimate = 3584;
  // A connection's records moved to sip-tls (counted until it closes).
  void CountOwnRecords(ptrdiff_t delta) { own_records_connections_ += delta; }

 private:
  ~IoLoop();
  static void OnEpollReady(uv_poll_t* handle, int status, int events);
  static void OnCheck(uv_check_t* handle);
  static void OnIdle(uv_idle_t* handle);
  static void OnSweep(uv_timer_t* handle);
  static void OnOwnHandleClosed(uv_handle_t* handle);
  static void OnEnvTeardown(napi_async_cleanup_hook_handle handle, void* arg);
  // Takes the epoll set's ready sockets: accepts, connect results, writable and readable ones.
  void DispatchReady();
  // Reads every readable connection in batches and decrypts what came.
  void ReadReady();
  // Sends the pending writes in batches; the write arena is free again afterwards.
  void SubmitWrites();
  void Deliver();
  void FlushDirty();
  void FreeRetired();
  void HandleClosed();
  // The poll handle keeps Node's loop alive only while a listener or connection exists.
  void UpdateLoopRef();

  Napi::Env env_;
  uv_loop_t* loop_;
  IoLoop** owner_;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;
  std::shared_ptr<AddonData> addon_;
  Napi::FunctionReference on_events_;
  int epoll_fd_ = -1;
  int reserve_fd_ = -1;
  SocketBatch socket_batch_;
  std::unique_ptr<uint8_t[]> read_slots_;
  std::unique_ptr<uint8_t[]> plain_buffer_;
  std::unique_ptr<uint8_t[]> write_arena_;
  size_t arena_used_ = 0;
  const TlsConnection* region_user_ = nullptr;
  TurnText turn_text_;
  EventBatch batch_;
  IoLimits limits_;
  IoCounters counters_;
  using ConnectionMap =
      std::unordered_map<uint32_t, TlsConnection*, std::hash<uint32_t>, std::equal_to<uint32_t>,
                         LongLivedAllocator<std::pair<const uint32_t, TlsConnection*>>>;
  ConnectionMap connections_;
  std::unordered_map<uint32_t, TlsListener*> listeners_;
  std::vector<uint32_t> dirty_;
  std::vector<uint32_t> flushing_;  // dirty_ of the flush in progress (both keep their capacity)
  std::vector<uint32_t> readable_;
  std::vector<uint32_t> reading_;   // readable_ of the read round in progress
  std::vector<uint32_t> pending_writes_;
  std::vector<uint32_t> write_ids_;  // the connection of each op of the write batch
  std::vector<uint32_t> read_ids_;   // the connection of each op of the read batch
  std::vector<ssize_t> read_results_;
  std::vector<TlsConnection*> retired_;
  uv_poll_t epoll_watch_;
  uv_check_t check_;
  uv_idle_t idle_;
  uv_timer_t sweep_;
  bool idle_active_ = false;
  bool delivering_ = false;
  bool shut_down_ = false;
  uint32_t last_id_ = 0;
  size_t open_handles_ = 0;
  ptrdiff_t partial_bytes_ = 0;
  ptrdiff_t own_records_connections_ = 0;
};

}  // namespace siptls

#endif  // SIPTLS_IO_LOOP_H_
