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
  value.Set("version", facts.version);
  value.Set("cipher", facts.cipher);
  value.Set("cipherBits", Napi::Number::New(env, facts.cipher_bits));
  value.Set("description", facts.description);
  value.Set("serverName", facts.server_name);
  value.Set("verifyResult", Napi::Number::New(env, static_cast<double>(facts.verify_result)));
  value.Set("verifyError", facts.verify_error);
  value.Set("peerCertificate", facts.peer_certificate);
  value.Set("verified", facts.verified);
  value.Set("revoked", facts.revoked);
  value.Set("expired", facts.expired);
  value.Set("selfSigned", facts.self_signed);
  return value;
}

}  // namespace siptls
