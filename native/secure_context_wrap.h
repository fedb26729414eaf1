// SecureContextWrap: the JS object (`SecureContext` in src/native.ts) holding one SecureContext.
//
// JS code never constructs it directly: `createSecureContext(options)` returns either a wrapped
// context or an error value. The object is type-tagged, so native code that receives one as an
// argument (TlsSession, the transport's listen/connect) can check it with FromValue().
#ifndef SIPTLS_SECURE_CONTEXT_WRAP_H_
#define SIPTLS_SECURE_CONTEXT_WRAP_H_

#include <memory>

#include <napi.h>

#include "secure_context.h"

namespace siptls {

class SecureContextWrap : public Napi::ObjectWrap<SecureContextWrap> {
 public:
  // Defines the class and `createSecureContext` on `exports`.
  static void Init(Napi::Env env, Napi::Object exports);

  // The SecureContext inside `value` if it is a (type-tagged) SecureContext object, else nullptr.
  static std::shared_ptr<SecureContext> FromValue(Napi::Env env, Napi::Value value);

  explicit SecureContextWrap(const Napi::CallbackInfo& info);

 private:
  static Napi::Value CreateSecureContext(const Napi::CallbackInfo& info);
  Napi::Value Certificates(const Napi::CallbackInfo& info);

  std::shared_ptr<SecureContext> context_;
};

}  // namespace siptls

#endif  // SIPTLS_SECURE_CONTEXT_WRAP_H_
