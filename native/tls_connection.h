// TlsConnection: one TLS connection: its socket (in the IoLoop's epoll set, read and written in
// the loop's batches), the session core, the SIP framer and the write path. Accepted by a
// TlsListener or opened by Connect().
//
// Memory per idle connection is what this object holds plus OpenSSL's SSL (or, once the TLS 1.3
// record layer took over, Tls13Records and the SSL's facts kept as text): the read slots, the
// write arena and the turn's clear text belong to the IoLoop, and the queues below hold pool
// blocks only while they carry bytes (a partial message, clear text waiting, ciphertext the
// kernel has not taken).
#ifndef SIPTLS_TLS_CONNECTION_H_
#define SIPTLS_TLS_CONNECTION_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "buffer_pool.h"
#include "long_lived.h"
#include "secure_context.h"
#include "sip_framer.h"
#include "tls_session_core.h"
#include "turn_text.h"

namespace siptls {

class IoLoop;

// Partial-message storage from the buffer pool (one block), or the heap for a message larger
// than a block (up to max_message_size). Released as soon as the message is complete.
class PoolPartialStore : public PartialStore {
 public:
  explicit PoolPartialStore(IoLoop* loop) : loop_(loop) {}
  ~PoolPartialStore() override { Release(); }
  char* Reserve(size_t capacity, size_t keep) override;
  void Release() override;

 private:
  IoLoop* loop_;
  BufferBlock* block_ = nullptr;
  char* heap_ = nullptr;
  size_t heap_size_ = 0;
};

// What is known of an accepted connection's addresses without asking its socket: the peer's
// (from accept4(2)) and, for a listener bound to one address, the local one (a wildcard
// listener's connection asks its socket, getsockname(2)).
struct AcceptedAddresses {
  const sockaddr_storage* peer;
  const std::string* local_ip;  // nullptr: ask the socket
  uint32_t local_port;
};

enum class ConnState : uint8_t {
  kConnecting,   // outbound TCP connect pending
  kHandshake,    // TLS handshake running (tls_accept / tls_connect)
  kProfileWait,  // accepted on a wildcard address: waits for JS to pick the profile by the
                 // connection's real local address before reading the ClientHello
  kSniWait,      // server paused at ClientHello until JS picks the context
  kEstablished,
  kClosing,      // closed; the object is freed at the end of the turn (IoLoop::Retire)
};

// Outcome of Send(): nullptr on success, else an ERR_TLS_* code.
using SendError = const char*;

class TlsConnection : private FrameSink {
 public:
  SIPTLS_LONG_LIVED_OBJECT

  // Takes over the accepted socket `fd`. Returns nullptr (and closes `fd`) when the session
  // cannot be created; the caller counts it.
  // With `await_profile`, nothing is read until ResumeHandshake() (the kOpen event asks JS).
  static TlsConnection* Accept(IoLoop* loop, int fd, const AcceptedAddresses& addresses,
                               uint32_t listener_id, std::shared_ptr<SecureContext> context,
                               uint32_t generation, bool pause_on_sni, bool await_profile,
                               TlsError* error);
  // Starts an outbound connection to `addr`. With `hold`, decrypted data flows but nothing is
  // sent after the handshake until Release() (the connection-out event decides). A non-empty
  // `identity` is the SIP domain the server certificate must name (SessionOptions::identity).
  static TlsConnection* Connect(IoLoop* loop, const sockaddr* addr,
                                std::shared_ptr<SecureContext> context, uint32_t generation,
                                const std::string& server_name, const std::string& identity,
                                bool hold, TlsError* error);

  uint32_t Id() const { return id_; }
  ConnState State() const { return state_; }
  bool Outbound() const { return outbound_; }
  uint32_t Generation() const { return generation_; }
  uint64_t CreatedMs() const { return created_ms_; }
  uint64_t LastActivityMs() const { return last_activity_ms_; }
  // Clear text queued (waiting for the handshake or for this turn's flush), bytes.
  size_t QueuedCleartext() const { return outgoing_.Size() + turn_.bytes; }
  // Ciphertext the kernel has not taken yet, bytes.
  size_t QueuedCiphertext() const;
  // Kamailio tls.list flags: 1 WR_WANTS_RD (clear text waits for the handshake), 2 HANDSHAKED.
  uint32_t Flags() const;
  // Whether sip-tls runs this connection's records (tls13_record_layer), OpenSSL's SSL freed.
  bool OwnsRecords() const { return session_ && session_->OwnsRecords(); }

  // Queues clear text for the peer; it is encrypted and written in this turn's flush.
  SendError Send(const uint8_t* data, size_t len);
  // After a kSni event, or a kOpen event asking for the profile: switch to `context` (may be
  // null: keep the current one) and go on.
  bool ResumeHandshake(std::shared_ptr<SecureContext> context, TlsError* error);
  // connection-out decided: let queued data go (Release) or drop the connection (Drop).
  void Release();
  void Drop();
  // Closes now; `reason` and `code` go to the close event. A close we start sends
  // close_notify first when send_close_notify is on.
  void Close(const std::string& reason, const char* code, bool by_peer);

  // Encrypts the queued clear text and this turn's (packed into <=16 KiB records) and writes
  // the ciphertext.
  void Flush();
  // Applies the timeouts at `now_ms`; closes the connection when one has passed.
  void Sweep(uint64_t now_ms);

  // For the IoLoop's batches.
  int Fd() const { return fd_; }
  // The epoll set reported these events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
  void OnSocketEvents(uint32_t events);
  // Whether a read now would be taken (not paused for a profile decision, not closing).
  bool Reading() const { return (interest_ & kReadInterest) != 0; }
  // The outcome of the batch's receive into `data`: bytes, or -errno (-EAGAIN: nothing there).
  void OnReadResult(ssize_t result, const uint8_t* data);
  // Views of the ciphertext to send (valid until the next call on this connection).
  size_t PeekCiphertext(ByteSpan* spans, size_t max_spans) const;
  // The outcome of the batch's send: bytes taken, or -errno.
  void OnSendResult(ssize_t result);
  bool dirty = false;          // in the loop's dirty list (clear text to encrypt this turn)
  bool read_ready = false;     // in the loop's readable list
  bool write_pending = false;  // in the loop's pending writes

 private:
  // One step that may make records (Drive, Flush) writes them into a region of the loop's write
  // arena, from where the loop's write batch sends them; see OutputStep in tls_connection.cc.
  class OutputStep;
  static constexpr uint32_t kReadInterest = 0x001;   // EPOLLIN
  static constexpr uint32_t kWriteInterest = 0x004;  // EPOLLOUT

  TlsConnection(IoLoop* loop, int fd, uint32_t generation, bool outbound);
  ~TlsConnection();
  friend class IoLoop;  // deletes closed connections at the end of the turn

  // The epoll interest (kReadInterest | kWriteInterest); changed only when it differs.
  void SetInterest(uint32_t interest);
  void OnConnected();
  // Writes queued ciphertext after the socket reported it writable again.
  void OnWritable();

  bool StartSession(std::shared_ptr<SecureContext> context, bool server,
                    const std::string& server_name, bool pause_on_sni, TlsError* error,
                    const std::string& identity = std::string());
  // `addresses`: what accept4(2) told; nullptr (outbound) asks the socket for both.
  void QueueOpenEvent(uint32_t listener_id, bool await_profile, const AcceptedAddresses* addresses);
  // Runs one session step's result: clear text to the framer, ciphertext to the socket,
  // handshake completion, SNI pause, errors and close_notify.
  void HandleStatus(uint32_t status, size_t plain_len);
  void Drive(const uint8_t* in, size_t len);
  // The end of an OutputStep: freezes the session's direct output and hands the connection to
  // the loop's write batch when it has ciphertext to send. Returns the arena bytes it used.
  size_t FinishOutputStep();
  // Asks the loop's next write batch to send this connection's ciphertext.
  void QueueSend();
  // Sends what ciphertext is ready with one sendmsg(2) now (a close's last records, a writable
  // socket's queue). Returns 0, or -errno when sendmsg failed; the caller decides to close.
  int SendNow();
  // Queues clear text: in the turn's shared text once established and released, else in
  // `outgoing_` until the handshake (or connection-out) allows it. False when out of memory.
  bool Enqueue(const uint8_t* data, size_t len);
  void OnHandshakeDone();
  void UpdateCtAccounting();
  void OnMessage(const char* data, size_t len, size_t body_offset) override;
  void OnPing() override;

  IoLoop* loop_;
  int fd_;
  uint32_t id_;
  uint32_t generation_;
  std::unique_ptr<TlsSessionCore> session_;
  PoolPartialStore partial_;
  SipFramer framer_;
  BlockQueue outgoing_;          // clear text waiting for the handshake or connection-out
  TurnTextList turn_;            // clear text sent this turn, in the loop's TurnText
  uint64_t created_ms_;
  uint64_t last_activity_ms_;
  uint64_t write_blocked_since_ms_ = 0;
  size_t ct_accounted_ = 0;      // this connection's share of the ct_wq_max total
  ConnState state_;
  uint32_t interest_ = 0;        // epoll interest now (kReadInterest | kWriteInterest)
  bool write_blocked_ = false;   // the kernel refused ciphertext: the rest waits for EPOLLOUT
  bool outbound_;
  bool hold_ = false;            // outbound: wait for Release() before sending
  bool sni_asked_ = false;       // the kSni event went out (once per connection)
};

}  // namespace siptls

#endif  // SIPTLS_TLS_CONNECTION_H_
