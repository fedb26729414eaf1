// One TLS connection; see tls_connection.h.
#include "tls_connection.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "io_address.h"
#include "io_loop.h"
#include "socket_batch.h"

namespace siptls {

namespace {

constexpr size_t kMaxSpans = 16;
// An established connection quiet this long gives back what only its next record needs.
constexpr uint64_t kHibernateAfterMs = 2000;
constexpr char kPong[] = "\r\n";

size_t RoundUp(size_t size, size_t block) {
  if (block == 0) return size;
  return (size + block - 1) / block * block;
}

size_t SpansTotal(const ByteSpan* spans, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += spans[i].len;
  return total;
}

}  // namespace

// One step of a connection that may make records: while it runs, the session writes them into a
// region of the loop's write arena (MemBioBuffers direct output); at its end the region is
// frozen and the connection joins the loop's write batch, which sends from the arena. Steps nest
// (a handshake's end flushes what waited for it); only the outermost one, the one that got the
// region, finishes it.
class TlsConnection::OutputStep {
 public:
  explicit OutputStep(TlsConnection* connection) : connection_(connection) {
    TlsSessionCore* session = connection->session_.get();
    if (session == nullptr || session->IsClosed()) return;
    region_ = connection->loop_->ClaimWriteRegion(connection, &capacity_);
    // Output of an earlier step still waits to be sent: this one's records queue behind it, and
    // the region goes back untouched (its bytes are counted once, by the step that wrote them).
    if (region_ != nullptr && !session->UseDirectOutput(region_, capacity_)) {
      connection->loop_->CommitWriteRegion(connection, 0);
      region_ = nullptr;
    }
  }
  ~OutputStep() {
    if (region_ == nullptr) {
      connection_->QueueSend();  // what the outer step (or the queue) holds
      return;
    }
    connection_->loop_->CommitWriteRegion(connection_, connection_->FinishOutputStep());
  }
  OutputStep(const OutputStep&) = delete;
  OutputStep& operator=(const OutputStep&) = delete;

 private:
  TlsConnection* connection_;
  uint8_t* region_ = nullptr;
  size_t capacity_ = 0;
};

char* PoolPartialStore::Reserve(size_t capacity, size_t keep) {
  BufferPool& pool = loop_->Pool();
  if (heap_ == nullptr && capacity <= pool.BlockSize()) {
    if (block_ == nullptr) block_ = pool.Acquire();
    return block_ == nullptr ? nullptr : reinterpret_cast<char*>(block_->Data());
  }
  if (capacity > heap_size_) {
    // Grow geometrically: a large message arriving in many reads is copied O(n) times in total.
    if (capacity < heap_size_ * 2) capacity = heap_size_ * 2;
    char* grown = static_cast<char*>(realloc(heap_, capacity));
    if (grown == nullptr) return nullptr;
    if (heap_ == nullptr && block_ != nullptr && keep > 0) memcpy(grown, block_->Data(), keep);
    loop_->AddPartialBytes(static_cast<ptrdiff_t>(capacity - heap_size_));
    heap_ = grown;
    heap_size_ = capacity;
    if (block_ != nullptr) {
      pool.Release(block_);
      block_ = nullptr;
    }
  }
  return heap_;
}

void PoolPartialStore::Release() {
  if (block_ != nullptr) loop_->Pool().Release(block_);
  block_ = nullptr;
  if (heap_ != nullptr) {
    free(heap_);
    loop_->AddPartialBytes(-static_cast<ptrdiff_t>(heap_size_));
  }
  heap_ = nullptr;
  heap_size_ = 0;
}

TlsConnection::TlsConnection(IoLoop* loop, int fd, uint32_t generation, bool outbound)
    : loop_(loop),
      fd_(fd),
      id_(loop->NextId()),
      generation_(generation),
      partial_(loop),
      framer_(loop->Limits().max_message_size, &partial_),
      outgoing_(&loop->Pool()),
      created_ms_(loop->FreshNowMs()),
      last_activity_ms_(created_ms_),
      state_(outbound ? ConnState::kConnecting : ConnState::kHandshake),
      outbound_(outbound) {}

TlsConnection::~TlsConnection() {
  if (fd_ >= 0) close(fd_);
}

bool TlsConnection::StartSession(std::shared_ptr<SecureContext> context, bool server,
                                 const std::string& server_name, bool pause_on_sni,
                                 TlsError* error, const std::string& identity) {
  SessionOptions options;
  options.identity = identity;
  options.role = server ? SessionRole::kServer : SessionRole::kClient;
  options.server_name = server_name;
  options.pause_on_sni = pause_on_sni;
  options.own_records = loop_->Limits().own_records;
  session_ = TlsSessionCore::Create(std::move(context), options, error);
  return session_ != nullptr;
}

TlsConnection* TlsConnection::Accept(IoLoop* loop, int fd, const AcceptedAddresses& addresses,
                                     uint32_t listener_id, std::shared_ptr<SecureContext> context,
                                     uint32_t generation, bool pause_on_sni, bool await_profile,
                                     TlsError* error) {
  auto* connection = new TlsConnection(loop, fd, generation, false);
  // Not watched for reading while JS picks the profile; EPOLLERR and EPOLLHUP still come.
  if (!connection->StartSession(std::move(context), true, std::string(), pause_on_sni, error) ||
      !loop->WatchConnection(fd, connection->id_, await_profile ? 0 : kReadInterest)) {
    if (error->code.empty()) *error = MakeError(uv_err_name(-errno), "cannot watch the socket");
    delete connection;
    return nullptr;
  }
  connection->interest_ = await_profile ? 0 : kReadInterest;
  loop->AddConnection(connection);
  loop->Counters().accepted++;
  connection->QueueOpenEvent(listener_id, await_profile, &addresses);
  if (await_profile) {
    connection->state_ = ConnState::kProfileWait;
  } else {
    // The ClientHello is usually there already: read it in this turn's batch, not the next.
    loop->MarkReadable(connection);
  }
  return connection;
}

TlsConnection* TlsConnection::Connect(IoLoop* loop, const sockaddr* addr,
                                      std::shared_ptr<SecureContext> context, uint32_t generation,
                                      const std::string& server_name,
                                      const std::string& identity, bool hold, TlsError* error) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = MakeError(uv_err_name(-errno), std::string("socket: ") + uv_strerror(-errno));
    return nullptr;
  }
  auto* connection = new TlsConnection(loop, fd, generation, true);
  connection->hold_ = hold;
  if (!connection->StartSession(std::move(context), false, server_name, false, error, identity)) {
    delete connection;
    return nullptr;
  }
  socklen_t length = addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  // Non-blocking: the socket reports EPOLLOUT (or EPOLLERR) when the connect is done.
  if ((connect(fd, addr, length) != 0 && errno != EINPROGRESS) ||
      !loop->WatchConnection(fd, connection->id_, kWriteInterest)) {
    *error = MakeError(uv_err_name(-errno), std::string("connect: ") + uv_strerror(-errno));
    delete connection;
    return nullptr;
  }
  connection->interest_ = kWriteInterest;
  loop->AddConnection(connection);
  return connection;
}

void TlsConnection::QueueOpenEvent(uint32_t listener_id, bool await_profile,
                                   const AcceptedAddresses* addresses) {
  ConnEvent& event = loop_->Batch().Add(EventKind::kOpen, id_);
  event.flag = outbound_;
  event.await_profile = await_profile;
  event.listener = listener_id;
  event.generation = generation_;
  if (addresses != nullptr && addresses->local_ip != nullptr) {
    event.local_ip = *addresses->local_ip;
    event.local_port = addresses->local_port;
  } else {
    SocketAddress(fd_, true, &event.local_ip, &event.local_port);
  }
  if (addresses != nullptr) {
    AddressText(*addresses->peer, &event.remote_ip, &event.remote_port);
  } else {
    SocketAddress(fd_, false, &event.remote_ip, &event.remote_port);
  }
  loop_->WakeUp();
}

void TlsConnection::SetInterest(uint32_t interest) {
  static_assert(kReadInterest == EPOLLIN && kWriteInterest == EPOLLOUT, "the interest bits are epoll's");
  if (interest == interest_ || state_ == ConnState::kClosing) return;
  interest_ = interest;
  if (!loop_->RewatchConnection(fd_, id_, interest)) {
    Close(std::string("epoll_ctl: ") + uv_strerror(-errno), uv_err_name(-errno), false);
  }
}

void TlsConnection::OnSocketEvents(uint32_t events) {
  if (state_ == ConnState::kClosing) return;
  if (state_ == ConnState::kConnecting) {
    int socket_error = 0;
    socklen_t length = sizeof(socket_error);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &socket_error, &length) != 0) socket_error = errno;
    if (socket_error != 0) {
      Close(std::string("connect failed: ") + uv_strerror(-socket_error), uv_err_name(-socket_error), true);
    } else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      OnConnected();
    }
    return;
  }
  if ((events & EPOLLOUT) && write_blocked_) OnWritable();
  if (state_ == ConnState::kClosing) return;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    if (Reading()) {
      // The read (which also learns of an error or EOF) comes in the loop's batch.
      loop_->MarkReadable(this);
    } else if (events & (EPOLLERR | EPOLLHUP)) {
      // Paused for a profile decision and the peer is gone: nothing will ever be read.
      Close("peer closed the TCP connection", "ERR_TLS_PEER_EOF", true);
    }
  }
}

void TlsConnection::OnConnected() {
  state_ = ConnState::kHandshake;
  loop_->Counters().connected++;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  QueueOpenEvent(0, false, nullptr);
  SetInterest(kReadInterest);
  // A client's first Feed() with no input produces the ClientHello.
  Drive(nullptr, 0);
}

void TlsConnection::OnReadResult(ssize_t result, const uint8_t* data) {
  if (state_ == ConnState::kClosing || result == -EAGAIN) return;
  if (result <= 0) {
    if (result == 0) {
      Close("peer closed the TCP connection", "ERR_TLS_PEER_EOF", true);
    } else {
      Close(uv_strerror(static_cast<int>(result)), uv_err_name(static_cast<int>(result)), true);
    }
    return;
  }
  last_activity_ms_ = loop_->NowMs();
  if (state_ == ConnState::kEstablished && loop_->BelowThreshold2()) {
    Close("not enough memory (low_mem_threshold2)", "ERR_TLS_LOW_MEMORY", false);
    return;
  }
  Drive(data, static_cast<size_t>(result));
}

void TlsConnection::Drive(const uint8_t* in, size_t len) {
  OutputStep step(this);
  // Claiming the write region may have sent the write batch, and a failed send closed us.
  if (state_ == ConnState::kClosing) return;
  uint8_t* plain = loop_->PlainBuffer();
  size_t plain_len = 0;
  uint32_t status = session_->Feed(in, len, plain, IoLoop::kPlainBufferSize, &plain_len);
  HandleStatus(status, plain_len);
  while (state_ != ConnState::kClosing && (status & status::kMorePlaintext)) {
    status = session_->Read(plain, IoLoop::kPlainBufferSize, &plain_len);
    HandleStatus(status, plain_len);
  }
}

void TlsConnection::HandleStatus(uint32_t st, size_t plain_len) {
  if ((st & status::kHandshakeDone) && state_ != ConnState::kEstablished &&
      state_ != ConnState::kClosing) {
    OnHandshakeDone();
  }
  if ((st & status::kHasPlaintext) && plain_len > 0 && state_ != ConnState::kClosing) {
    if (!framer_.Feed(reinterpret_cast<const char*>(loop_->PlainBuffer()), plain_len, this)) {
      loop_->Counters().framing_errors++;
      Close(std::string("SIP framing: ") + FrameErrorText(framer_.error()), "ERR_TLS_SIP_FRAMING",
            true);
      return;
    }
  }
  // The session keeps reporting kNeedContext until the handshake ends; ask JS once.
  if ((st & status::kNeedContext) && state_ == ConnState::kHandshake && !sni_asked_) {
    sni_asked_ = true;
    state_ = ConnState::kSniWait;
    SetInterest(interest_ & ~kReadInterest);
    loop_->Batch().Add(EventKind::kSni, id_).text = session_->ServerName();
    loop_->WakeUp();
  }
  if (st & status::kError) {
    if (state_ != ConnState::kEstablished) loop_->Counters().handshake_failures++;
    TlsError error = session_->TakeError();
    Close(error.Message(), error.code.c_str(), true);
    return;
  }
  if (st & status::kPeerClosed) Close("peer sent close_notify", "", true);
}

void TlsConnection::OnHandshakeDone() {
  state_ = ConnState::kEstablished;
  loop_->Counters().handshakes_done++;
  if (OwnsRecords()) loop_->CountOwnRecords(1);
  ConnEvent& event = loop_->Batch().Add(EventKind::kSecure, id_);
  event.facts.reset(new TlsFacts(session_->TakeHandshakeFacts()));
  loop_->WakeUp();
  if (!hold_) Flush();
}

void TlsConnection::OnMessage(const char* data, size_t len, size_t body_offset) {
  loop_->Batch().AddMessage(id_, data, len, body_offset);
}

void TlsConnection::OnPing() {
  // RFC 5626 §4.4.1: a double-CRLF ping is answered with a single CRLF (the pong).
  loop_->Counters().pings_answered++;
  Enqueue(reinterpret_cast<const uint8_t*>(kPong), 2);
}

size_t TlsConnection::QueuedCiphertext() const {
  return session_ && !session_->IsClosed() ? session_->PendingCiphertext() : 0;
}

uint32_t TlsConnection::Flags() const {
  uint32_t flags = 0;
  if ((state_ != ConnState::kEstablished || hold_) && !outgoing_.Empty()) flags |= 1;
  if (state_ == ConnState::kEstablished) flags |= 2;
  return flags;
}

void TlsConnection::UpdateCtAccounting() {
  bool waiting = state_ != ConnState::kEstablished || hold_;
  size_t now = waiting ? RoundUp(outgoing_.Size(), loop_->Limits().ct_wq_blk_size) : 0;
  IoCounters& counters = loop_->Counters();
  counters.ct_wq_bytes = counters.ct_wq_bytes + now - ct_accounted_;
  ct_accounted_ = now;
}

SendError TlsConnection::Send(const uint8_t* data, size_t len) {
  if (state_ == ConnState::kClosing) return "ERR_TLS_CONNECTION_CLOSED";
  if (loop_->BelowThreshold2()) return "ERR_TLS_LOW_MEMORY";
  const IoLimits& limits = loop_->Limits();
  bool waiting = state_ != ConnState::kEstablished || hold_;
  if (waiting) {
    // kamailio-behaviour.md §4: the clear-text queue of a connection whose handshake is
    // pending is bounded per connection and in total; only this send fails.
    size_t after = RoundUp(outgoing_.Size() + len, limits.ct_wq_blk_size);
    if (outgoing_.Size() + len > limits.con_ct_wq_max) return "ERR_TLS_CT_WQ_FULL";
    if (loop_->Counters().ct_wq_bytes - ct_accounted_ + after > limits.ct_wq_max) {
      return "ERR_TLS_CT_WQ_FULL";
    }
  } else if (QueuedCleartext() + QueuedCiphertext() + len > limits.con_wq_max) {
    return "ERR_TLS_WRITE_QUEUE_FULL";
  }
  if (!Enqueue(data, len)) return "ERR_TLS_OUT_OF_MEMORY";
  last_activity_ms_ = loop_->FreshNowMs();
  return nullptr;
}

bool TlsConnection::Enqueue(const uint8_t* data, size_t len) {
  if (state_ != ConnState::kEstablished || hold_) {
    if (!outgoing_.Append(data, len)) return false;
    UpdateCtAccounting();
    return true;
  }
  if (!loop_->Turn().Append(&turn_, data, len)) return false;
  loop_->MarkDirty(this);
  return true;
}

void TlsConnection::Flush() {
  dirty = false;
  if (state_ != ConnState::kEstablished || hold_) return;
  OutputStep step(this);
  if (state_ == ConnState::kClosing) return;  // as in Drive
  ByteSpan spans[kMaxSpans];
  // What waited for the handshake goes first, then this turn's messages; WriteV packs the parts
  // into as few records as possible (up to 16 KiB each).
  while (!outgoing_.Empty() || !turn_.Empty()) {
    size_t count;
    uint32_t st;
    if (!outgoing_.Empty()) {
      count = outgoing_.Peek(spans, kMaxSpans);
      st = session_->WriteV(spans, count);
      outgoing_.Consume(SpansTotal(spans, count));
    } else {
      count = loop_->Turn().Take(&turn_, spans, kMaxSpans);
      st = session_->WriteV(spans, count);
    }
    if (st & status::kError) {
      TlsError error = session_->TakeError();
      Close(error.Message(), error.code.c_str(), false);
      return;
    }
  }
  UpdateCtAccounting();
}

size_t TlsConnection::FinishOutputStep() {
  // Close() has sent what it could and dropped the rest.
  if (state_ == ConnState::kClosing || session_->IsClosed()) return 0;
  size_t used = session_->FreezeDirectOutput();
  QueueSend();
  return used;
}

void TlsConnection::QueueSend() {
  if (state_ == ConnState::kClosing || session_->IsClosed()) return;
  if (!write_blocked_ && !write_pending && session_->PendingCiphertext() > 0) {
    loop_->MarkPendingWrite(this);
  }
}

size_t TlsConnection::PeekCiphertext(ByteSpan* spans, size_t max_spans) const {
  return session_->PeekCiphertext(spans, max_spans);
}

void TlsConnection::OnSendResult(ssize_t result) {
  if (state_ == ConnState::kClosing) return;
  if (result < 0 && result != -EAGAIN) {
    Close(uv_strerror(static_cast<int>(result)), uv_err_name(static_cast<int>(result)), true);
    return;
  }
  if (result > 0) session_->ConsumeCiphertext(static_cast<size_t>(result));
  // What the kernel did not take leaves the arena (the next batch reuses it) for pool blocks,
  // and waits for EPOLLOUT.
  if (session_->SpillDirectOutput() & status::kError) {
    TlsError error = session_->TakeError();
    Close(error.Message(), error.code.c_str(), false);
    return;
  }
  if (session_->PendingCiphertext() == 0) {
    write_blocked_since_ms_ = 0;
    return;
  }
  write_blocked_ = true;
  write_blocked_since_ms_ = loop_->NowMs();
  SetInterest(interest_ | kWriteInterest);
}

void TlsConnection::OnWritable() {
  int error = SendNow();
  if (error != 0 && error != -EAGAIN) {
    Close(uv_strerror(error), uv_err_name(error), true);
    return;
  }
  if (session_->PendingCiphertext() > 0) return;
  write_blocked_ = false;
  write_blocked_since_ms_ = 0;
  SetInterest(interest_ & ~kWriteInterest);
}

int TlsConnection::SendNow() {
  ByteSpan spans[SocketBatch::kMaxSpans];
  size_t count = session_->IsClosed() ? 0 : session_->PeekCiphertext(spans, SocketBatch::kMaxSpans);
  if (count == 0) return 0;
  loop_->Counters().socket_writes++;
  ssize_t written = SendSpans(fd_, spans, count);
  if (written < 0) return static_cast<int>(written);
  session_->ConsumeCiphertext(static_cast<size_t>(written));
  // Progress: the send timeout counts from the last write the kernel took.
  if (write_blocked_) write_blocked_since_ms_ = loop_->NowMs();
  return 0;
}

bool TlsConnection::ResumeHandshake(std::shared_ptr<SecureContext> context, TlsError* error) {
  if (state_ != ConnState::kSniWait && state_ != ConnState::kProfileWait) {
    *error = MakeError("ERR_TLS_INVALID_STATE", "the connection is not waiting for a profile decision");
    return false;
  }
  // Before the first byte SSL_set_SSL_CTX applies as at ClientHello (SSL_in_before).
  if (context && !session_->SetContext(std::move(context), error)) return false;
  state_ = ConnState::kHandshake;
  SetInterest(interest_ | kReadInterest);
  Drive(nullptr, 0);
  return true;
}

void TlsConnection::Release() {
  if (!hold_) return;
  hold_ = false;
  UpdateCtAccounting();
  if (state_ == ConnState::kEstablished) Flush();
}

void TlsConnection::Drop() {
  outgoing_.Clear();
  turn_ = TurnTextList();
  UpdateCtAccounting();
  Close("dropped by the connection-out handler", "ERR_TLS_DROPPED", false);
}

void TlsConnection::Close(const std::string& reason, const char* code, bool by_peer) {
  if (state_ == ConnState::kClosing) return;
  if (state_ == ConnState::kEstablished && !by_peer && loop_->Limits().send_close_notify &&
      !write_blocked_ && !(session_->Status() & status::kError)) {
    // One-way close_notify, never awaited (SSL_shutdown(3)).
    session_->Shutdown();
  }
  // Records that are ready (an alert for a failed handshake, the close_notify, a last response)
  // go out if the kernel takes them now; nothing waits for them, and a failure (the peer reset
  // the connection) changes nothing: it is closing either way.
  if (!write_blocked_) SendNow();
  ConnEvent& event = loop_->Batch().Add(EventKind::kClose, id_);
  event.text = reason;
  event.code = code == nullptr ? "" : code;
  event.flag = by_peer;
  loop_->WakeUp();
  if (OwnsRecords()) loop_->CountOwnRecords(-1);
  state_ = ConnState::kClosing;
  loop_->RemoveConnection(id_);
  outgoing_.Clear();
  turn_ = TurnTextList();
  UpdateCtAccounting();
  session_->Close();
  // The socket leaves the epoll set as it closes; the object is freed at the end of the turn,
  // when no caller up the stack can still hold it.
  close(fd_);
  fd_ = -1;
  loop_->Retire(this);
}

void TlsConnection::Sweep(uint64_t now_ms) {
  const IoLimits& limits = loop_->Limits();
  IoCounters& counters = loop_->Counters();
  if (state_ == ConnState::kEstablished) {
    if (limits.idle_timeout_ms >= 0 &&
        now_ms - last_activity_ms_ > static_cast<uint64_t>(limits.idle_timeout_ms)) {
      counters.idle_timeouts++;
      Close("idle longer than connection_timeout", "ERR_TLS_IDLE_TIMEOUT", false);
      return;
    }
    if (now_ms - last_activity_ms_ > kHibernateAfterMs) session_->Hibernate();
  } else if (state_ != ConnState::kClosing && limits.connect_timeout_ms >= 0 &&
             now_ms - created_ms_ > static_cast<uint64_t>(limits.connect_timeout_ms)) {
    counters.handshake_timeouts++;
    bool connecting = state_ == ConnState::kConnecting;
    Close(connecting ? "TCP connect timeout (tcp_connect_timeout)" : "TLS handshake timeout (tcp_connect_timeout)",
          connecting ? "ERR_TLS_CONNECT_TIMEOUT" : "ERR_TLS_HANDSHAKE_TIMEOUT", false);
    return;
  }
  if (write_blocked_since_ms_ != 0 && limits.send_timeout_ms >= 0 &&
      now_ms - write_blocked_since_ms_ > static_cast<uint64_t>(limits.send_timeout_ms)) {
    counters.send_timeouts++;
    Close("peer did not take data within tcp_send_timeout", "ERR_TLS_SEND_TIMEOUT", false);
  }
}

}  // namespace siptls
