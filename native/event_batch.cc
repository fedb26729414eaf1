// Batched delivery to JS; see event_batch.h.
#include "event_batch.h"

#include <cstring>

#include "js_facts.h"

namespace siptls {

namespace {

// A burst may grow the message buffer; past this it is given back after delivery.
constexpr size_t kKeepBatchCapacity = 256 * 1024;

const char* KindName(EventKind kind) {
  switch (kind) {
    case EventKind::kOpen: return "open";
    case EventKind::kSni: return "sni";
    case EventKind::kSecure: return "secure";
    case EventKind::kClose: return "close";
  }
  return "unknown";
}

// Kept shared facts; past this, facts go out whole each time.
constexpr size_t kMaxSharedFacts = 64;

bool SameFacts(const SessionFacts& a, const SessionFacts& b) {
  return a.version == b.version && a.cipher == b.cipher && a.cipher_bits == b.cipher_bits &&
         a.description == b.description && a.server_name == b.server_name &&
         a.verify_result == b.verify_result && a.verify_error == b.verify_error &&
         a.peer_certificate == b.peer_certificate && a.verified == b.verified &&
         a.revoked == b.revoked && a.expired == b.expired && a.self_signed == b.self_signed;
}

}  // namespace

uint32_t EventBatch::SharedFactsId(const SessionFacts& facts, bool* first) {
  *first = false;
  for (size_t i = 0; i < shared_facts_.size(); i++) {
    if (SameFacts(shared_facts_[i], facts)) return static_cast<uint32_t>(i + 1);
  }
  *first = true;  // sent whole: with a new id, or with id 0 once the table is full
  if (shared_facts_.size() == kMaxSharedFacts) return 0;
  shared_facts_.push_back(facts);
  return static_cast<uint32_t>(shared_facts_.size());
}

Napi::Object EventBatch::EventObject(Napi::Env env, const ConnEvent& event) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", KindName(event.kind));
  o.Set("id", event.id);
  switch (event.kind) {
    case EventKind::kOpen:
      o.Set("outbound", event.flag);
      o.Set("listener", event.listener);
      o.Set("generation", event.generation);
      o.Set("awaitProfile", event.await_profile);
      o.Set("localIp", event.local_ip);
      o.Set("localPort", event.local_port);
      o.Set("remoteIp", event.remote_ip);
      o.Set("remotePort", event.remote_port);
      break;
    case EventKind::kSni:
      o.Set("serverName", event.text);
      break;
    case EventKind::kSecure:
      if (event.facts) {
        bool first = true;
        uint32_t id = event.facts->peer.present ? 0 : SharedFactsId(event.facts->session, &first);
        o.Set("factsId", id);
        if (first) o.Set("facts", TransportFactsToValue(env, event.facts->session, event.facts->peer));
      }
      break;
    case EventKind::kClose:
      o.Set("reason", event.text);
      o.Set("code", event.code);
      o.Set("byPeer", event.flag);
      break;
  }
  return o;
}

ConnEvent& EventBatch::Add(EventKind kind, uint32_t id) {
  events_.emplace_back();
  ConnEvent& event = events_.back();
  event.kind = kind;
  event.id = id;
  return event;
}

void EventBatch::AddMessage(uint32_t id, const char* data, size_t len, size_t body_offset) {
  index_.push_back(id);
  index_.push_back(static_cast<uint32_t>(bytes_.size()));
  index_.push_back(static_cast<uint32_t>(len));
  index_.push_back(static_cast<uint32_t>(body_offset));
  bytes_.insert(bytes_.end(), data, data + len);
}

void EventBatch::TakeInto(Napi::Env env, std::vector<napi_value>* args) {
  Napi::Array events = Napi::Array::New(env, events_.size());
  for (size_t i = 0; i < events_.size(); i++) events.Set(i, EventObject(env, events_[i]));
  if (index_.empty()) {
    // A turn of connection events only (handshakes, closes): no Buffer, no index.
    args->assign({events, env.Undefined(), env.Undefined()});
  } else {
    // One Buffer and one index per turn, however many messages: copying the turn's bytes
    // once is cheaper than a Buffer per message (style.md, "the hot path").
    Napi::Buffer<char> bytes = Napi::Buffer<char>::Copy(env, bytes_.data(), bytes_.size());
    Napi::Uint32Array index = Napi::Uint32Array::New(env, index_.size());
    memcpy(index.Data(), index_.data(), index_.size() * sizeof(uint32_t));
    args->assign({events, bytes, index});
  }
  events_.clear();
  bytes_.clear();
  index_.clear();
  if (bytes_.capacity() > kKeepBatchCapacity) std::vector<char>().swap(bytes_);
  if (index_.capacity() > kKeepBatchCapacity) std::vector<uint32_t>().swap(index_);
}

}  // namespace siptls
