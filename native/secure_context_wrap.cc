// SecureContextWrap and createSecureContext() (see secure_context_wrap.h).
#include "secure_context_wrap.h"

#include <string>

#include <openssl/ssl.h>

#include "env_data.h"
#include "error_value.h"
#include "js_facts.h"
#include "keylog_notice.h"

namespace siptls {

namespace {

// Marks SecureContext objects so native code can trust one passed back in.
// See napi_type_tag_object.
constexpr napi_type_tag kSecureContextTag = {0x5a1e7c0e3b2d4f61ULL, 0x9e8d7c6b5a493827ULL};

// The TS layer validates options; here a wrong type is misuse and throws a TypeError.
bool ReadString(Napi::Object options, const char* name, std::string* out) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return true;
  if (!value.IsString()) {
    Napi::TypeError::New(options.Env(), std::string("options.") + name + " must be a string")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = value.As<Napi::String>().Utf8Value();
  return true;
}

bool ReadBool(Napi::Object options, const char* name, bool* out) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return true;
  if (!value.IsBoolean()) {
    Napi::TypeError::New(options.Env(), std::string("options.") + name + " must be a boolean")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = value.As<Napi::Boolean>().Value();
  return true;
}

bool ReadInt(Napi::Object options, const char* name, int* out) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return true;
  if (!value.IsNumber()) {
    Napi::TypeError::New(options.Env(), std::string("options.") + name + " must be a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = value.As<Napi::Number>().Int32Value();
  return true;
}

bool ReadVerifyClient(Napi::Object options, VerifyClient* out) {
  std::string mode;
  if (!ReadString(options, "verifyClient", &mode)) return false;
  if (mode.empty()) return true;
  if (mode == "off") *out = VerifyClient::kOff;
  else if (mode == "on") *out = VerifyClient::kOn;
  else if (mode == "optional") *out = VerifyClient::kOptional;
  else if (mode == "optional_no_ca") *out = VerifyClient::kOptionalNoCa;
  else {
    Napi::TypeError::New(options.Env(),
                         "options.verifyClient must be off, on, optional or optional_no_ca")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// keylogNotice: the function that logs a key log line (keylog_mode bit 4), called on a later
// loop turn, never inside the SSL call that produced the line.
bool ReadKeyLogNotice(Napi::Object options, KeyLogOptions* out) {
  Napi::Value value = options.Get("keylogNotice");
  if (value.IsUndefined()) return true;
  if (!value.IsFunction()) {
    Napi::TypeError::New(options.Env(), "options.keylogNotice must be a function")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (out->mode & keylog_mode::kNotice) {
    out->notice = MakeKeyLogNotice(options.Env(), value.As<Napi::Function>());
  }
  return true;
}

bool ReadOptions(Napi::Object o, ContextOptions* out) {
  return ReadString(o, "method", &out->method) && ReadString(o, "certificate", &out->certificate) &&
         ReadString(o, "privateKey", &out->private_key) &&
         ReadString(o, "privateKeyPassword", &out->private_key_password) &&
         ReadString(o, "certificate2", &out->certificate2) &&
         ReadString(o, "privateKey2", &out->private_key2) &&
         ReadString(o, "privateKeyPassword2", &out->private_key_password2) &&
         ReadString(o, "caList", &out->ca_list) && ReadString(o, "caPath", &out->ca_path) &&
         ReadString(o, "crl", &out->crl) &&
         ReadBool(o, "verifyCertificate", &out->verify_certificate) &&
         ReadBool(o, "requireCertificate", &out->require_certificate) &&
         ReadVerifyClient(o, &out->verify_client) &&
         ReadInt(o, "verifyDepth", &out->verify_depth) &&
         ReadString(o, "cipherList", &out->cipher_list) &&
         ReadBool(o, "sessionCache", &out->session_cache) &&
         ReadString(o, "sessionId", &out->session_id) &&
         ReadInt(o, "sslReleaseBuffers", &out->ssl_release_buffers) &&
         ReadInt(o, "sslMaxSendFragment", &out->ssl_max_send_fragment) &&
         ReadBool(o, "sslReadAhead", &out->ssl_read_ahead) &&
         ReadBool(o, "renegotiation", &out->renegotiation) &&
         ReadInt(o, "keylogMode", &out->keylog.mode) &&
         ReadString(o, "keylogFile", &out->keylog.file) &&
         ReadString(o, "keylogPeerIp", &out->keylog.peer_ip) &&
         ReadInt(o, "keylogPeerPort", &out->keylog.peer_port) && ReadKeyLogNotice(o, &out->keylog);
}

}  // namespace

void SecureContextWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(
      env, "SecureContext",
      {InstanceMethod<&SecureContextWrap::Certificates>("certificates")});
  GetEnvData(env)->secure_context_constructor = Napi::Persistent(constructor);
  exports.Set("SecureContext", constructor);
  exports.Set("createSecureContext", Napi::Function::New<CreateSecureContext>(env));
}

SecureContextWrap::SecureContextWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SecureContextWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(),
                         "SecureContext cannot be constructed directly; use createSecureContext()")
        .ThrowAsJavaScriptException();
    return;
  }
  context_ = *info[0].As<Napi::External<std::shared_ptr<SecureContext>>>().Data();
  info.This().As<Napi::Object>().TypeTag(&kSecureContextTag);
}

std::shared_ptr<SecureContext> SecureContextWrap::FromValue(Napi::Env, Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  if (!object.CheckTypeTag(&kSecureContextTag)) return nullptr;
  SecureContextWrap* wrap = Unwrap(object);
  return wrap != nullptr ? wrap->context_ : nullptr;
}

Napi::Value SecureContextWrap::CreateSecureContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "createSecureContext(options) needs an options object")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ContextOptions options;
  if (!ReadOptions(info[0].As<Napi::Object>(), &options)) return env.Undefined();
  TlsError error;
  std::shared_ptr<SecureContext> context =
      SecureContext::Create(AddonData::Get(env), options, &error);
  if (context == nullptr) return ErrorToValue(env, error);
  return GetEnvData(env)->secure_context_constructor.New(
      {Napi::External<std::shared_ptr<SecureContext>>::New(env, &context)});
}

// The facts of the context's certificates (certificate, then certificate2), for expiry metrics.
Napi::Value SecureContextWrap::Certificates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array list = Napi::Array::New(env);
  uint32_t index = 0;
  for (X509* cert : context_->Certificates()) {
    list.Set(index++, CertificateToValue(env, DescribeCertificate(cert)));
  }
  return list;
}

}  // namespace siptls
