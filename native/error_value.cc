// TlsError to JS (see error_value.h).
#include "error_value.h"

#include <openssl/x509.h>

namespace siptls {

namespace {

void SetFields(Napi::Object target, const TlsError& error) {
  Napi::Env env = target.Env();
  target.Set("code", Napi::String::New(env, error.code));
  target.Set("library", Napi::String::New(env, error.library));
  target.Set("reason", Napi::String::New(env, error.reason));
  if (!error.file.empty()) target.Set("file", Napi::String::New(env, error.file));
  if (!error.parameter.empty()) target.Set("parameter", Napi::String::New(env, error.parameter));
  if (error.verify_result >= 0) {
    target.Set("verifyResult", Napi::Number::New(env, static_cast<double>(error.verify_result)));
    target.Set("verifyError",
               Napi::String::New(env, X509_verify_cert_error_string(error.verify_result)));
  }
}

}  // namespace

Napi::Object ErrorToValue(Napi::Env env, const TlsError& error) {
  Napi::Object value = Napi::Object::New(env);
  SetFields(value, error);
  value.Set("message", Napi::String::New(env, error.Message()));
  return value;
}

void ThrowErrorValue(Napi::Env env, const TlsError& error) {
  Napi::Error js_error = Napi::Error::New(env, error.Message());
  SetFields(js_error.Value(), error);
  js_error.ThrowAsJavaScriptException();
}

}  // namespace siptls
