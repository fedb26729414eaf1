#include "hsm_binding.h"

#include <memory>
#include <string>

#include "addon_data.h"
#include "engine_keys.h"
#include "rand_engine.h"

namespace siptls {

namespace {

// { error } when `error` is set, else {}: expected failures are values, not exceptions.
Napi::Object Result(Napi::Env env, const std::string& error) {
  Napi::Object result = Napi::Object::New(env);
  if (!error.empty()) result.Set("error", Napi::String::New(env, error));
  return result;
}

bool StringArgs(const Napi::CallbackInfo& info, size_t count, const char* usage) {
  for (size_t i = 0; i < count; i++) {
    if (i >= info.Length() || !info[i].IsString()) {
      Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

Napi::Value LoadEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!StringArgs(info, 2, "loadEngine(id: string, configPath: string)")) return env.Undefined();
  std::string error;
  std::unique_ptr<EngineKeys> engine =
      EngineKeys::Load(info[0].As<Napi::String>(), info[1].As<Napi::String>(), &error);
  if (engine) AddonData::Get(env)->SetEngine(std::move(engine));
  return Result(env, error);
}

Napi::Value SetRandEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!StringArgs(info, 3, "setRandEngine(drbg: string, cipher: string, digest: string)")) {
    return env.Undefined();
  }
  std::string error;
  SetDrbgType(AddonData::Get(env)->LibCtx(), info[0].As<Napi::String>(),
              info[1].As<Napi::String>(), info[2].As<Napi::String>(), &error);
  return Result(env, error);
}

Napi::Value DescribeDrbgOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!StringArgs(info, 1, "describeDrbg(which: 'module' | 'node')")) return env.Undefined();
  std::string which = info[0].As<Napi::String>();
  if (which != "module" && which != "node") {
    Napi::TypeError::New(env, "describeDrbg(which: 'module' | 'node')").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // nullptr is OpenSSL's default library context: the one Node's crypto uses.
  OSSL_LIB_CTX* libctx = which == "module" ? AddonData::Get(env)->LibCtx() : nullptr;
  DrbgDescription description;
  if (!DescribeDrbg(libctx, &description)) return env.Null();
  Napi::Object result = Napi::Object::New(env);
  result.Set("type", Napi::String::New(env, description.type));
  result.Set("mechanism", Napi::String::New(env, description.mechanism));
  result.Set("strength", Napi::Number::New(env, description.strength));
  return result;
}

}  // namespace

void InitHsmBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("loadEngine", Napi::Function::New(env, LoadEngine, "loadEngine"));
  exports.Set("setRandEngine", Napi::Function::New(env, SetRandEngine, "setRandEngine"));
  exports.Set("describeDrbg", Napi::Function::New(env, DescribeDrbgOf, "describeDrbg"));
}

}  // namespace siptls
