// Facts to JS (see js_facts.h).
#include "js_facts.h"

namespace siptls {

namespace {

Napi::Object NameToValue(Napi::Env env, const NameFacts& name) {
  Napi::Object value = Napi::Object::New(env);
  value.Set("line", name.line);
  value.Set("cn", name.cn);
  value.Set("l", name.l);
  value.Set("c", name.c);
  value.Set("st", name.st);
  value.Set("o", name.o);
  value.Set("ou", name.ou);
  value.Set("uid", name.uid);
  return value;
}

Napi::Array ListToValue(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array list = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); i++) list.Set(static_cast<uint32_t>(i), items[i]);
  return list;
}

// A Session names its verification flags `verified`, …; the transport's facts `peerVerified`, ….
struct FlagNames {
  const char* verified;
  const char* revoked;
  const char* expired;
  const char* self_signed;
};

void SetSessionFields(Napi::Env env, Napi::Object value, const SessionFacts& facts,
                      const FlagNames& names) {
  value.Set("version", facts.version);
  value.Set("cipher", facts.cipher);
  value.Set("cipherBits", Napi::Number::New(env, facts.cipher_bits));
  value.Set("description", facts.description);
  value.Set("serverName", facts.server_name);
  value.Set("verifyResult", Napi::Number::New(env, static_cast<double>(facts.verify_result)));
  value.Set("verifyError", facts.verify_error);
  value.Set("peerCertificate", facts.peer_certificate);
  value.Set(names.verified, facts.verified);
  value.Set(names.revoked, facts.revoked);
  value.Set(names.expired, facts.expired);
  value.Set(names.self_signed, facts.self_signed);
}

}  // namespace

Napi::Value CertificateToValue(Napi::Env env, const CertificateFacts& facts) {
  if (!facts.present) return env.Null();
  Napi::Object value = Napi::Object::New(env);
  value.Set("subject", NameToValue(env, facts.subject));
  value.Set("issuer", NameToValue(env, facts.issuer));
  Napi::Object san = Napi::Object::New(env);
  san.Set("email", ListToValue(env, facts.san_email));
  san.Set("dns", ListToValue(env, facts.san_dns));
  san.Set("uri", ListToValue(env, facts.san_uri));
  san.Set("ip", ListToValue(env, facts.san_ip));
  value.Set("san", san);
  value.Set("serial", facts.serial);
  value.Set("notBefore", facts.not_before);
  value.Set("notAfter", facts.not_after);
  value.Set("version", Napi::Number::New(env, static_cast<double>(facts.version)));
  value.Set("pem", facts.pem);
  return value;
}

Napi::Object SessionFactsToValue(Napi::Env env, const SessionFacts& facts) {
  Napi::Object value = Napi::Object::New(env);
  SetSessionFields(env, value, facts, {"verified", "revoked", "expired", "selfSigned"});
  return value;
}

Napi::Object TransportFactsToValue(Napi::Env env, const SessionFacts& session,
                                   const CertificateFacts& peer) {
  Napi::Object value = Napi::Object::New(env);
  SetSessionFields(env, value, session,
                   {"peerVerified", "peerRevoked", "peerExpired", "peerSelfSigned"});
  if (!peer.present) {
    value.Set("peer", env.Null());
    return value;
  }
  Napi::Object cert = Napi::Object::New(env);
  cert.Set("subject", NameToValue(env, peer.subject));
  cert.Set("issuer", NameToValue(env, peer.issuer));
  cert.Set("sanEmail", ListToValue(env, peer.san_email));
  cert.Set("sanDns", ListToValue(env, peer.san_dns));
  cert.Set("sanUri", ListToValue(env, peer.san_uri));
  cert.Set("sanIp", ListToValue(env, peer.san_ip));
  cert.Set("serial", peer.serial);
  cert.Set("notBefore", peer.not_before);
  cert.Set("notAfter", peer.not_after);
  cert.Set("version", Napi::Number::New(env, static_cast<double>(peer.version)));
  cert.Set("pem", peer.pem);
  value.Set("peer", cert);
  return value;
}

}  // namespace siptls
