// TlsSession (see tls_session.h). Arguments are checked in TS (src/session.ts); here a wrong
// type is misuse and throws a TypeError, and a closed session throws "TlsSession is closed".
#include "tls_session.h"

#include <vector>

#include "error_value.h"
#include "js_facts.h"
#include "secure_context_wrap.h"

namespace siptls {

namespace {

constexpr napi_type_tag kTlsSessionTag = {0x7f3b2a1c0d9e8f71ULL, 0x1a2b3c4d5e6f7081ULL};

bool IsBytes(Napi::Value value) {
  return value.IsTypedArray() &&
         value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}

Napi::Value ThrowType(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

void TlsSession::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(
      env, "TlsSession",
      {InstanceMethod<&TlsSession::Feed>("feed"),
       InstanceMethod<&TlsSession::Read>("read"),
       InstanceMethod<&TlsSession::Write>("write"),
       InstanceMethod<&TlsSession::Writev>("writev"),
       InstanceMethod<&TlsSession::Shutdown>("shutdown"),
       InstanceMethod<&TlsSession::TakeCiphertext>("takeCiphertext"),
       InstanceMethod<&TlsSession::TakeCiphertextInto>("takeCiphertextInto"),
       InstanceMethod<&TlsSession::SetContext>("setContext"),
       InstanceMethod<&TlsSession::Status>("status"),
       InstanceMethod<&TlsSession::TakeError>("takeError"),
       InstanceMethod<&TlsSession::ServerName>("serverName"),
       InstanceMethod<&TlsSession::Facts>("facts"),
       InstanceMethod<&TlsSession::PeerCertificate>("peerCertificate"),
       InstanceMethod<&TlsSession::OwnCertificate>("ownCertificate"),
       InstanceMethod<&TlsSession::Renegotiate>("renegotiate"),
       InstanceMethod<&TlsSession::KeyUpdate>("keyUpdate"),
       InstanceMethod<&TlsSession::Close>("close"),
       InstanceMethod<&TlsSession::IsClosed>("isClosed"),
       InstanceMethod<&TlsSession::OwnsRecords>("ownsRecords")});
  exports.Set("TlsSession", constructor);

  Napi::Object bits = Napi::Object::New(env);
  bits.Set("HANDSHAKE_DONE", status::kHandshakeDone);
  bits.Set("HAS_PLAINTEXT", status::kHasPlaintext);
  bits.Set("HAS_CIPHERTEXT", status::kHasCiphertext);
  bits.Set("PEER_CLOSED", status::kPeerClosed);
  bits.Set("ERROR", status::kError);
  bits.Set("WANT_READ", status::kWantRead);
  bits.Set("WANT_WRITE", status::kWantWrite);
  bits.Set("MORE_PLAINTEXT", status::kMorePlaintext);
  bits.Set("NEED_CONTEXT", status::kNeedContext);
  bits.Set("SHUTDOWN_SENT", status::kShutdownSent);
  bits.Set("CLOSED", status::kClosed);
  bits.Freeze();
  exports.Set("SessionStatus", bits);
}

// new TlsSession(context, { isServer, serverName?, pauseOnSni?, identity? })
TlsSession::TlsSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TlsSession>(info) {
  Napi::Env env = info.Env();
  std::shared_ptr<SecureContext> context =
      info.Length() > 0 ? SecureContextWrap::FromValue(env, info[0]) : nullptr;
  if (context == nullptr) {
    ThrowType(env, "new TlsSession(context, options): context must be a SecureContext");
    return;
  }
  if (info.Length() < 2 || !info[1].IsObject()) {
    ThrowType(env, "new TlsSession(context, options): options must be an object");
    return;
  }
  Napi::Object options = info[1].As<Napi::Object>();
  SessionOptions session_options;
  session_options.role =
      options.Get("isServer").ToBoolean().Value() ? SessionRole::kServer : SessionRole::kClient;
  Napi::Value server_name = options.Get("serverName");
  if (server_name.IsString()) session_options.server_name = server_name.As<Napi::String>();
  else if (!server_name.IsUndefined()) {
    ThrowType(env, "options.serverName must be a string");
    return;
  }
  session_options.pause_on_sni = options.Get("pauseOnSni").ToBoolean().Value();
  Napi::Value identity = options.Get("identity");
  if (identity.IsString()) session_options.identity = identity.As<Napi::String>();
  else if (!identity.IsUndefined()) {
    ThrowType(env, "options.identity must be a string");
    return;
  }

  session_options.own_records = options.Get("ownRecords").ToBoolean().Value();

  TlsError error;
  core_ = TlsSessionCore::Create(std::move(context), session_options, &error);
  if (core_ == nullptr) {
    ThrowErrorValue(env, error);
    return;
  }
  Napi::Uint32Array lengths = Napi::Uint32Array::New(env, kLengthsSize);
  lengths_ = lengths.Data();
  lengths_ref_ = Napi::Persistent(lengths);
  Napi::Object self = info.This().As<Napi::Object>();
  self.Set("lengths", lengths);
  self.TypeTag(&kTlsSessionTag);
}

bool TlsSession::CheckOpen(Napi::Env env) {
  if (core_ != nullptr) return true;
  Napi::Error::New(env, "TlsSession is closed").ThrowAsJavaScriptException();
  return false;
}

Napi::Value TlsSession::Finish(Napi::Env env, uint32_t bits, size_t plaintext_len) {
  lengths_[kPlaintextLength] = static_cast<uint32_t>(plaintext_len);
  lengths_[kCiphertextPending] = static_cast<uint32_t>(core_->PendingCiphertext());
  lengths_[kCleartextQueued] = static_cast<uint32_t>(core_->QueuedCleartext());
  return Napi::Number::New(env, bits);
}

// feed(ciphertext: Uint8Array | null, plaintextOut: Uint8Array): status
Napi::Value TlsSession::Feed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  const uint8_t* in = nullptr;
  size_t in_len = 0;
  if (info.Length() > 0 && IsBytes(info[0])) {
    Napi::Uint8Array input = info[0].As<Napi::Uint8Array>();
    in = input.Data();
    in_len = input.ByteLength();
  } else if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) {
    return ThrowType(env, "feed(ciphertext, out): ciphertext must be a Uint8Array or null");
  }
  if (info.Length() < 2 || !IsBytes(info[1])) {
    return ThrowType(env, "feed(ciphertext, out): out must be a Uint8Array");
  }
  Napi::Uint8Array out = info[1].As<Napi::Uint8Array>();
  size_t out_len = 0;
  uint32_t bits = core_->Feed(in, in_len, out.Data(), out.ByteLength(), &out_len);
  return Finish(env, bits, out_len);
}

// read(plaintextOut: Uint8Array): status
Napi::Value TlsSession::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (info.Length() < 1 || !IsBytes(info[0])) {
    return ThrowType(env, "read(out): out must be a Uint8Array");
  }
  Napi::Uint8Array out = info[0].As<Napi::Uint8Array>();
  size_t out_len = 0;
  uint32_t bits = core_->Read(out.Data(), out.ByteLength(), &out_len);
  return Finish(env, bits, out_len);
}

// write(cleartext: Uint8Array): status
Napi::Value TlsSession::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (info.Length() < 1 || !IsBytes(info[0])) {
    return ThrowType(env, "write(data): data must be a Uint8Array");
  }
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  return Finish(env, core_->Write(data.Data(), data.ByteLength()), 0);
}

// writev(parts: Uint8Array[]): status (small parts are packed into full records)
Napi::Value TlsSession::Writev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (info.Length() < 1 || !info[0].IsArray()) {
    return ThrowType(env, "writev(parts): parts must be an array of Uint8Array");
  }
  Napi::Array array = info[0].As<Napi::Array>();
  std::vector<ByteSpan> parts;
  parts.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!IsBytes(item)) return ThrowType(env, "writev(parts): every part must be a Uint8Array");
    Napi::Uint8Array bytes = item.As<Napi::Uint8Array>();
    parts.push_back(ByteSpan{bytes.Data(), bytes.ByteLength()});
  }
  return Finish(env, core_->WriteV(parts.data(), parts.size()), 0);
}

Napi::Value TlsSession::Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Finish(env, core_->Shutdown(), 0);
}

// takeCiphertext(): Buffer | null — all queued ciphertext in one new Buffer (one allocation per
// flush, not per record; socket.write keeps the Buffer until it is sent).
Napi::Value TlsSession::TakeCiphertext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  size_t pending = core_->PendingCiphertext();
  if (pending == 0) return env.Null();
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(env, pending);
  core_->TakeCiphertext(buffer.Data(), pending);
  lengths_[kCiphertextPending] = 0;
  return buffer;
}

// takeCiphertextInto(out: Uint8Array): bytes copied (the rest stays queued)
Napi::Value TlsSession::TakeCiphertextInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (info.Length() < 1 || !IsBytes(info[0])) {
    return ThrowType(env, "takeCiphertextInto(out): out must be a Uint8Array");
  }
  Napi::Uint8Array out = info[0].As<Napi::Uint8Array>();
  size_t copied = core_->TakeCiphertext(out.Data(), out.ByteLength());
  lengths_[kCiphertextPending] = static_cast<uint32_t>(core_->PendingCiphertext());
  return Napi::Number::New(env, static_cast<double>(copied));
}

// setContext(context): null, or an error value (wrong state, OpenSSL refused)
Napi::Value TlsSession::SetContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  std::shared_ptr<SecureContext> context =
      info.Length() > 0 ? SecureContextWrap::FromValue(env, info[0]) : nullptr;
  if (context == nullptr) return ThrowType(env, "setContext(context): not a SecureContext");
  TlsError error;
  if (!core_->SetContext(std::move(context), &error)) return ErrorToValue(env, error);
  return env.Null();
}

Napi::Value TlsSession::Status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Napi::Number::New(env, core_->Status());
}

// takeError(): the error that set ERROR (then cleared), or null
Napi::Value TlsSession::TakeError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  TlsError error = core_->TakeError();
  if (!error.IsSet()) return env.Null();
  return ErrorToValue(env, error);
}

Napi::Value TlsSession::ServerName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Napi::String::New(env, core_->ServerName());
}

Napi::Value TlsSession::Facts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return SessionFactsToValue(env, core_->Facts());
}

Napi::Value TlsSession::PeerCertificate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return CertificateToValue(env, core_->PeerCertificate());
}

Napi::Value TlsSession::OwnCertificate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return CertificateToValue(env, core_->OwnCertificate());
}

Napi::Value TlsSession::Renegotiate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Finish(env, core_->Renegotiate(), 0);
}

Napi::Value TlsSession::KeyUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Finish(env, core_->KeyUpdate(), 0);
}

// close(): frees the SSL and its buffers now; every later call throws.
Napi::Value TlsSession::Close(const Napi::CallbackInfo& info) {
  core_.reset();
  return info.Env().Undefined();
}

Napi::Value TlsSession::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), core_ == nullptr);
}

Napi::Value TlsSession::OwnsRecords(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), core_ != nullptr && core_->OwnsRecords());
}

}  // namespace siptls
