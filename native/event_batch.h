// What the transport hands to JS in one call per loop turn: connection events (rare: open,
// SNI, handshake done, close) and the SIP messages framed during the turn (many).
#ifndef SIPTLS_EVENT_BATCH_H_
#define SIPTLS_EVENT_BATCH_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls_session_core.h"

namespace siptls {

// TLS facts of an established connection, delivered once with the kSecure event.
using TlsFacts = HandshakeFacts;

enum class EventKind {
  kOpen,       // accepted or connected (TCP); addresses known
  kSni,        // server: ClientHello with SNI; the handshake waits for SetContext()
  kSecure,     // handshake done; TlsFacts attached
  kClose,      // closed; reason and whether the peer caused it
};

struct ConnEvent {
  EventKind kind;
  uint32_t id;
  bool flag = false;       // kOpen: outbound; kClose: peer-caused
  std::string text;        // kSni: server name; kClose: reason
  std::string code;        // kClose: ERR_* code when an error closed it
  std::string local_ip;    // kOpen
  std::string remote_ip;   // kOpen
  uint32_t local_port = 0;
  uint32_t remote_port = 0;
  uint32_t listener = 0;   // kOpen: id of the accepting listener (0 for outbound)
  uint32_t generation = 0; // kOpen: generation of the context the connection started with
  bool await_profile = false;  // kOpen: reading waits for Resume() with the profile's context
  std::unique_ptr<TlsFacts> facts;  // kSecure
};

class EventBatch {
 public:
  ConnEvent& Add(EventKind kind, uint32_t id);
  // Copies one framed message for connection `id`; its body starts at `body_offset`.
  void AddMessage(uint32_t id, const char* data, size_t len, size_t body_offset);
  bool Empty() const { return events_.empty() && index_.empty(); }
  size_t MessageBytes() const { return bytes_.size(); }

  // Builds the arguments of the JS callback and empties the batch:
  // (events: object[], bytes: Buffer, index: Uint32Array of [id, offset, length, body offset]
  // quadruples); bytes and index are undefined when the turn framed no message.
  void TakeInto(Napi::Env env, std::vector<napi_value>* args);

 private:
  Napi::Object EventObject(Napi::Env env, const ConnEvent& event);
  // The id (1-based) that names facts without a peer certificate: thousands of connections share
  // a handful of such facts, and a kSecure event then carries the id instead of a new object.
  // `*first`: the facts must go out whole, under a new id or, once the table is full, under 0.
  uint32_t SharedFactsId(const SessionFacts& facts, bool* first);

  std::vector<SessionFacts> shared_facts_;
  std::vector<ConnEvent> events_;
  std::vector<char> bytes_;
  std::vector<uint32_t> index_;
};

}  // namespace siptls

#endif  // SIPTLS_EVENT_BATCH_H_
