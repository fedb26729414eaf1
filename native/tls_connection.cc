// One TLS connection on the libuv loop; see tls_connection.h.
#include "tls_connection.h"

#include <cstdlib>
#include <cstring>

#include "io_address.h"
#include "io_loop.h"

namespace siptls {

namespace {

constexpr size_t kMaxSpans = 16;
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

size_t ToUvBufs(const ByteSpan* spans, size_t count, uv_buf_t* bufs) {
  for (size_t i = 0; i < count; i++) {
    bufs[i] = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(spans[i].data)),
                          static_cast<unsigned int>(spans[i].len));
  }
  return count;
}

}  // namespace

// Holds the loop's write scratch for the session's direct output during one step. Steps nest
// (a handshake's end flushes what waited for it); only the outermost one, the one that got the
// scratch, ends the direct output.
class TlsConnection::DirectOutputStep {
 public:
  explicit DirectOutputStep(TlsConnection* connection) : connection_(connection) {
    TlsSessionCore* session = connection->session_.get();
    if (session == nullptr || session->IsClosed()) return;
    scratch_ = connection->loop_->ClaimWriteScratch(connection);
    if (scratch_ != nullptr) session->UseDirectOutput(scratch_, IoLoop::kWriteScratchSize);
  }
  ~DirectOutputStep() {
    if (scratch_ == nullptr) return;
    connection_->EndDirectOutput();
    connection_->loop_->ReleaseWriteScratch(connection_);
  }
  DirectOutputStep(const DirectOutputStep&) = delete;
  DirectOutputStep& operator=(const DirectOutputStep&) = delete;

 private:
  TlsConnection* connection_;
  uint8_t* scratch_ = nullptr;
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

TlsConnection::TlsConnection(IoLoop* loop, uint32_t generation, bool outbound)
    : loop_(loop),
      id_(loop->NextId()),
      generation_(generation),
      partial_(loop),
      framer_(loop->Limits().max_message_size, &partial_),
      outgoing_(&loop->Pool()),
      created_ms_(loop->FreshNowMs()),
      last_activity_ms_(created_ms_),
      state_(outbound ? ConnState::kConnecting : ConnState::kHandshake),
      outbound_(outbound) {
  uv_tcp_init(loop->Loop(), &tcp_);
  tcp_.data = this;
  loop->HandleOpened();
}

TlsConnection::~TlsConnection() = default;

bool TlsConnection::StartSession(std::shared_ptr<SecureContext> context, bool server,
                                 const std::string& server_name, bool pause_on_sni,
                                 TlsError* error, const std::string& identity) {
  SessionOptions options;
  options.identity = identity;
  options.role = server ? SessionRole::kServer : SessionRole::kClient;
  options.server_name = server_name;
  options.pause_on_sni = pause_on_sni;
  session_ = TlsSessionCore::Create(std::move(context), options, error);
  return session_ != nullptr;
}

TlsConnection* TlsConnection::Accept(IoLoop* loop, uv_stream_t* server, uint32_t listener_id,
                                     std::shared_ptr<SecureContext> context, uint32_t generation,
                                     bool pause_on_sni, bool await_profile, TlsError* error) {
  auto* connection = new TlsConnection(loop, generation, false);
  int result = uv_accept(server, reinterpret_cast<uv_stream_t*>(&connection->tcp_));
  if (result != 0) {
    *error = MakeError("ERR_TLS_ACCEPT", uv_strerror(result));
    connection->Discard();
    return nullptr;
  }
  if (!connection->StartSession(std::move(context), true, std::string(), pause_on_sni, error)) {
    connection->Discard();
    return nullptr;
  }
  uv_tcp_nodelay(&connection->tcp_, 1);
  loop->AddConnection(connection);
  loop->Counters().accepted++;
  connection->QueueOpenEvent(listener_id, await_profile);
  if (await_profile) {
    connection->state_ = ConnState::kProfileWait;
  } else {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp_), OnAlloc, OnRead);
  }
  return connection;
}

TlsConnection* TlsConnection::Connect(IoLoop* loop, const sockaddr* addr,
                                      std::shared_ptr<SecureContext> context, uint32_t generation,
                                      const std::string& server_name,
                                      const std::string& identity, bool hold, TlsError* error) {
  auto* connection = new TlsConnection(loop, generation, true);
  connection->hold_ = hold;
  if (!connection->StartSession(std::move(context), false, server_name, false, error, identity)) {
    connection->Discard();
    return nullptr;
  }
  auto* req = new uv_connect_t;
  req->data = connection;
  int result = uv_tcp_connect(req, &connection->tcp_, addr, OnConnect);
  if (result != 0) {
    delete req;
    *error = MakeError(uv_err_name(result), std::string("connect: ") + uv_strerror(result));
    connection->Discard();
    return nullptr;
  }
  loop->AddConnection(connection);
  return connection;
}

void TlsConnection::Discard() {
  state_ = ConnState::kClosing;
  if (session_) session_->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
}

void TlsConnection::QueueOpenEvent(uint32_t listener_id, bool await_profile) {
  ConnEvent& event = loop_->Batch().Add(EventKind::kOpen, id_);
  event.flag = outbound_;
  event.await_profile = await_profile;
  event.listener = listener_id;
  event.generation = generation_;
  SocketAddress(&tcp_, true, &event.local_ip, &event.local_port);
  SocketAddress(&tcp_, false, &event.remote_ip, &event.remote_port);
  loop_->WakeUp();
}

void TlsConnection::OnConnect(uv_connect_t* req, int status) {
  auto* connection = static_cast<TlsConnection*>(req->data);
  delete req;
  if (status == UV_ECANCELED || connection->state_ == ConnState::kClosing) return;
  if (status < 0) {
    connection->Close(std::string("connect failed: ") + uv_strerror(status), uv_err_name(status), true);
    return;
  }
  connection->state_ = ConnState::kHandshake;
  connection->loop_->Counters().connected++;
  uv_tcp_nodelay(&connection->tcp_, 1);
  connection->QueueOpenEvent(0, false);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp_), OnAlloc, OnRead);
  // A client's first Feed() with no input produces the ClientHello.
  connection->Drive(nullptr, 0);
}

void TlsConnection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* connection = static_cast<TlsConnection*>(handle->data);
  *buf = uv_buf_init(connection->loop_->ReadBuffer(), IoLoop::kReadBufferSize);
}

void TlsConnection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* connection = static_cast<TlsConnection*>(stream->data);
  if (nread == 0 || connection->state_ == ConnState::kClosing) return;
  if (nread < 0) {
    if (nread == UV_EOF) {
      connection->Close("peer closed the TCP connection", "ERR_TLS_PEER_EOF", true);
    } else {
      connection->Close(uv_strerror(static_cast<int>(nread)), uv_err_name(static_cast<int>(nread)), true);
    }
    return;
  }
  connection->last_activity_ms_ = connection->loop_->NowMs();
  if (connection->state_ == ConnState::kEstablished && connection->loop_->BelowThreshold2()) {
    connection->Close("not enough memory (low_mem_threshold2)", "ERR_TLS_LOW_MEMORY", false);
    return;
  }
  connection->Drive(reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread));
}

void TlsConnection::Drive(const uint8_t* in, size_t len) {
  DirectOutputStep step(this);
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
      WriteCiphertext();
      Close(std::string("SIP framing: ") + FrameErrorText(framer_.error()), "ERR_TLS_SIP_FRAMING",
            true);
      return;
    }
  }
  // The session keeps reporting kNeedContext until the handshake ends; ask JS once.
  if ((st & status::kNeedContext) && state_ == ConnState::kHandshake && !sni_asked_) {
    sni_asked_ = true;
    state_ = ConnState::kSniWait;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    loop_->Batch().Add(EventKind::kSni, id_).text = session_->ServerName();
    loop_->WakeUp();
  }
  if (state_ != ConnState::kClosing) WriteCiphertext();
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
  ConnEvent& event = loop_->Batch().Add(EventKind::kSecure, id_);
  event.facts.reset(new TlsFacts{session_->Facts(), session_->PeerCertificate()});
  loop_->WakeUp();
  if (!hold_) Flush();
}

void TlsConnection::OnMessage(const char* data, size_t len) {
  loop_->Batch().AddMessage(id_, data, len);
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
  DirectOutputStep step(this);
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
  WriteCiphertext();
}

void TlsConnection::WriteCiphertext() {
  if (write_req_ != nullptr || session_->IsClosed()) return;
  ByteSpan spans[kMaxSpans];
  uv_buf_t bufs[kMaxSpans];
  size_t count = session_->PeekCiphertext(spans, kMaxSpans);
  if (count == 0) {
    write_blocked_since_ms_ = 0;
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  // Most writes are taken whole by the kernel: one writev, no request, nothing kept.
  loop_->Counters().socket_writes++;
  int written = uv_try_write(stream, bufs, static_cast<unsigned int>(ToUvBufs(spans, count, bufs)));
  if (written == UV_EAGAIN) written = 0;
  if (written < 0) {
    Close(uv_strerror(written), uv_err_name(written), true);
    return;
  }
  session_->ConsumeCiphertext(static_cast<size_t>(written));
  if (session_->PendingCiphertext() == 0) {
    write_blocked_since_ms_ = 0;
    return;
  }
  // The rest waits in the session's queue (pool blocks do not move) until libuv wrote it; the
  // scratch of the direct output is the next step's.
  if (session_->SpillDirectOutput() & status::kError) {
    TlsError error = session_->TakeError();
    Close(error.Message(), error.code.c_str(), false);
    return;
  }
  count = session_->PeekCiphertext(spans, kMaxSpans);
  write_req_ = new uv_write_t;
  write_req_->data = this;
  loop_->Counters().socket_writes++;
  write_in_flight_ = SpansTotal(spans, count);
  if (write_blocked_since_ms_ == 0) write_blocked_since_ms_ = loop_->NowMs();
  int result = uv_write(write_req_, stream, bufs, static_cast<unsigned int>(ToUvBufs(spans, count, bufs)),
                        OnWrite);
  if (result < 0) {
    delete write_req_;
    write_req_ = nullptr;
    Close(uv_strerror(result), uv_err_name(result), true);
  }
}

void TlsConnection::EndDirectOutput() {
  if (state_ == ConnState::kClosing || !session_->DirectOutputInUse()) return;
  WriteCiphertext();
  if (state_ != ConnState::kClosing && (session_->SpillDirectOutput() & status::kError)) {
    TlsError error = session_->TakeError();
    Close(error.Message(), error.code.c_str(), false);
  }
}

void TlsConnection::OnWrite(uv_write_t* req, int status) {
  auto* connection = static_cast<TlsConnection*>(req->data);
  delete req;
  connection->write_req_ = nullptr;
  if (connection->state_ == ConnState::kClosing) return;
  if (status < 0) {
    connection->Close(uv_strerror(status), uv_err_name(status), true);
    return;
  }
  connection->session_->ConsumeCiphertext(connection->write_in_flight_);
  connection->write_in_flight_ = 0;
  connection->write_blocked_since_ms_ = connection->loop_->NowMs();
  connection->WriteCiphertext();
}

bool TlsConnection::ResumeHandshake(std::shared_ptr<SecureContext> context, TlsError* error) {
  if (state_ != ConnState::kSniWait && state_ != ConnState::kProfileWait) {
    *error = MakeError("ERR_TLS_INVALID_STATE", "the connection is not waiting for a profile decision");
    return false;
  }
  // Before the first byte SSL_set_SSL_CTX applies as at ClientHello (SSL_in_before).
  if (context && !session_->SetContext(std::move(context), error)) return false;
  state_ = ConnState::kHandshake;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead);
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
      write_req_ == nullptr && !(session_->Status() & status::kError)) {
    // One-way close_notify, never awaited (SSL_shutdown(3)); whatever the kernel takes now.
    session_->Shutdown();
    ByteSpan spans[kMaxSpans];
    uv_buf_t bufs[kMaxSpans];
    size_t count = session_->PeekCiphertext(spans, kMaxSpans);
    if (count > 0) {
      uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), bufs,
                   static_cast<unsigned int>(ToUvBufs(spans, count, bufs)));
    }
  }
  ConnEvent& event = loop_->Batch().Add(EventKind::kClose, id_);
  event.text = reason;
  event.code = code == nullptr ? "" : code;
  event.flag = by_peer;
  loop_->WakeUp();
  state_ = ConnState::kClosing;
  loop_->RemoveConnection(id_);
  outgoing_.Clear();
  turn_ = TurnTextList();
  UpdateCtAccounting();
  session_->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
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

void TlsConnection::OnClosed(uv_handle_t* handle) {
  auto* connection = static_cast<TlsConnection*>(handle->data);
  IoLoop* loop = connection->loop_;
  delete connection;
  loop->HandleClosed();
}

}  // namespace siptls
