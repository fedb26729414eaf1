// TlsSession: the JS object (`TlsSession` in src/native.ts) over one TlsSessionCore.
//
// One native call per socket event: feed(ciphertext, plaintextOut) drives the handshake and
// decrypts into the caller's reusable buffer, returning status bits; byte counts are written to
// the session's shared `lengths` Uint32Array (no object per call).
#ifndef SIPTLS_TLS_SESSION_H_
#define SIPTLS_TLS_SESSION_H_

#include <memory>

#include <napi.h>

#include "tls_session_core.h"

namespace siptls {

class TlsSession : public Napi::ObjectWrap<TlsSession> {
 public:
  // Indexes of the shared `lengths` array.
  static constexpr uint32_t kPlaintextLength = 0;   // bytes written by the last feed()/read()
  static constexpr uint32_t kCiphertextPending = 1; // ciphertext bytes waiting to be taken
  static constexpr uint32_t kCleartextQueued = 2;   // clear text bytes waiting for the handshake
  static constexpr uint32_t kLengthsSize = 4;

  static void Init(Napi::Env env, Napi::Object exports);
  explicit TlsSession(const Napi::CallbackInfo& info);

 private:
  bool CheckOpen(Napi::Env env);
  Napi::Value Finish(Napi::Env env, uint32_t bits, size_t plaintext_len);

  Napi::Value Feed(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Writev(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value TakeCiphertext(const Napi::CallbackInfo& info);
  Napi::Value TakeCiphertextInto(const Napi::CallbackInfo& info);
  Napi::Value SetContext(const Napi::CallbackInfo& info);
  Napi::Value Status(const Napi::CallbackInfo& info);
  Napi::Value TakeError(const Napi::CallbackInfo& info);
  Napi::Value ServerName(const Napi::CallbackInfo& info);
  Napi::Value Facts(const Napi::CallbackInfo& info);
  Napi::Value PeerCertificate(const Napi::CallbackInfo& info);
  Napi::Value OwnCertificate(const Napi::CallbackInfo& info);
  Napi::Value Renegotiate(const Napi::CallbackInfo& info);
  Napi::Value KeyUpdate(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  Napi::Value OwnsRecords(const Napi::CallbackInfo& info);

  std::unique_ptr<TlsSessionCore> core_;
  Napi::Reference<Napi::Uint32Array> lengths_ref_;
  uint32_t* lengths_ = nullptr;
};

}  // namespace siptls

#endif  // SIPTLS_TLS_SESSION_H_
