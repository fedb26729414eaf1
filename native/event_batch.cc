// Batched delivery to JS; see event_batch.h.
#include "event_batch.h"

#include <cstring>

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

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) array.Set(i, Napi::String::New(env, values[i]));
  return array;
}

Napi::Object NameObject(Napi::Env env, const NameFacts& name) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("line", name.line);
  o.Set("cn", name.cn);
  o.Set("l", name.l);
  o.Set("c", name.c);
  o.Set("st", name.st);
  o.Set("o", name.o);
  o.Set("ou", name.ou);
  o.Set("uid", name.uid);
  return o;
}

Napi::Object FactsObject(Napi::Env env, const TlsFacts& facts) {
  const SessionFacts& s = facts.session;
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", s.version);
  o.Set("cipher", s.cipher);
  o.Set("cipherBits", s.cipher_bits);
  o.Set("description", s.description);
  o.Set("serverName", s.server_name);
  o.Set("verifyResult", Napi::Number::New(env, static_cast<double>(s.verify_result)));
  o.Set("verifyError", s.verify_error);
  o.Set("peerCertificate", s.peer_certificate);
  o.Set("peerVerified", s.verified);
  o.Set("peerRevoked", s.revoked);
  o.Set("peerExpired", s.expired);
  o.Set("peerSelfSigned", s.self_signed);
  if (facts.peer.present) {
    const CertificateFacts& c = facts.peer;
    Napi::Object p = Napi::Object::New(env);
    p.Set("subject", NameObject(env, c.subject));
    p.Set("issuer", NameObject(env, c.issuer));
    p.Set("sanEmail", StringArray(env, c.san_email));
    p.Set("sanDns", StringArray(env, c.san_dns));
    p.Set("sanUri", StringArray(env, c.san_uri));
    p.Set("sanIp", StringArray(env, c.san_ip));
    p.Set("serial", c.serial);
    p.Set("notBefore", c.not_before);
    p.Set("notAfter", c.not_after);
    p.Set("version", Napi::Number::New(env, static_cast<double>(c.version)));
    p.Set("pem", c.pem);
    o.Set("peer", p);
  } else {
    o.Set("peer", env.Null());
  }
  return o;
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
      if (event.facts) o.Set("facts", FactsObject(env, *event.facts));
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
  // One Buffer and one index per turn, however many messages: copying the turn's bytes once
  // is cheaper than a Buffer per message (style.md, "the hot path").
  Napi::Buffer<char> bytes = Napi::Buffer<char>::Copy(env, bytes_.data(), bytes_.size());
  Napi::Uint32Array index = Napi::Uint32Array::New(env, index_.size());
  if (!index_.empty()) memcpy(index.Data(), index_.data(), index_.size() * sizeof(uint32_t));
  args->assign({events, bytes, index});
  events_.clear();
  bytes_.clear();
  index_.clear();
  if (bytes_.capacity() > kKeepBatchCapacity) std::vector<char>().swap(bytes_);
  if (index_.capacity() > kKeepBatchCapacity) std::vector<uint32_t>().swap(index_);
}

}  // namespace siptls
