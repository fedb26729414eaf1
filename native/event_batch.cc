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

Napi::Object EventObject(Napi::Env env, const ConnEvent& event) {
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
        o.Set("facts", TransportFactsToValue(env, event.facts->session, event.facts->peer));
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

}  // namespace

ConnEvent& EventBatch::Add(EventKind kind, uint32_t id) {
  events_.emplace_back();
  ConnEvent& event = events_.back();
  event.kind = kind;
  event.id = id;
  return event;
}

void EventBatch::AddMessage(uint32_t id, const char* data, size_t len) {
  index_.push_back(id);
  index_.push_back(static_cast<uint32_t>(bytes_.size()));
  index_.push_back(static_cast<uint32_t>(len));
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
