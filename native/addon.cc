// Module init: per-environment data (the module's OpenSSL library context, BIO method, buffer
// pool), the classes, the OpenSSL version exports and the version guard.
#include <malloc.h>
#include <napi.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "env_data.h"
#include "error_value.h"
#include "hsm_binding.h"
#include "openssl_version.h"
#include "secure_context_wrap.h"
#include "tls_session.h"
#include "transport_init.h"
#include "unix_dgram.h"

namespace siptls {

namespace {

// checkOpenSslVersion(forceRun, builtNumber?, runningNumber?): null when the OpenSSL the addon
// was compiled for and the one running are the same major.minor series; otherwise an error
// value (ERR_TLS_OPENSSL_VERSION_MISMATCH) with `fatal` = !forceRun (the guide's tls_force_run).
// The two numbers default to OPENSSL_VERSION_NUMBER and OpenSSL_version_num(); tests pass
// others to exercise both outcomes.
Napi::Value CheckOpenSslVersion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool force_run = info.Length() > 0 && info[0].ToBoolean().Value();
  unsigned long built = OPENSSL_VERSION_NUMBER;
  unsigned long running = OpenSSL_version_num();
  if (info.Length() > 1 && info[1].IsNumber()) {
    built = static_cast<unsigned long>(info[1].As<Napi::Number>().Int64Value());
  }
  if (info.Length() > 2 && info[2].IsNumber()) {
    running = static_cast<unsigned long>(info[2].As<Napi::Number>().Int64Value());
  }
  if (SameOpenSslSeries(built, running)) return env.Null();
  TlsError error = MakeError(
      "ERR_TLS_OPENSSL_VERSION_MISMATCH",
      "the addon was built for OpenSSL " + OpenSslVersionText(built) + " but runs on OpenSSL " +
          OpenSslVersionText(running) +
          (force_run ? "; running anyway because tls_force_run is set"
                     : "; set tls_force_run to run anyway"),
      "tls_force_run");
  Napi::Object value = ErrorToValue(env, error);
  value.Set("fatal", !force_run);
  value.Set("builtVersion", OpenSslVersionText(built));
  value.Set("runningVersion", OpenSslVersionText(running));
  return value;
}

// bufferPoolStats(): { blockSize, inUse, free, maxFree, allocated, released }
Napi::Value BufferPoolStatsValue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BufferPoolStats stats = GetEnvData(env)->addon->Pool().Stats();
  Napi::Object value = Napi::Object::New(env);
  value.Set("blockSize", static_cast<double>(stats.block_size));
  value.Set("inUse", static_cast<double>(stats.in_use));
  value.Set("free", static_cast<double>(stats.free));
  value.Set("maxFree", static_cast<double>(stats.max_free));
  value.Set("allocated", static_cast<double>(stats.allocated));
  value.Set("released", static_cast<double>(stats.released));
  return value;
}

// setBufferFreelistMax(n): the freelist cap (the guide's ssl_freelist_max_len; 0 frees at once).
Napi::Value SetBufferFreelistMax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int64Value() < 0) {
    Napi::TypeError::New(env, "setBufferFreelistMax(n): n must be a number >= 0")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  GetEnvData(env)->addon->Pool().SetMaxFree(
      static_cast<size_t>(info[0].As<Napi::Number>().Int64Value()));
  return env.Undefined();
}

// mallocInUse(): bytes malloc has handed out and not taken back (glibc mallinfo2: small chunks
// plus mmap'ed ones; AddressSanitizer's own count when it replaces malloc, as glibc's then
// counts nothing), or -1 without glibc >= 2.33. For memory tests: unlike RSS it ignores free
// memory malloc keeps, so a leak shows and fragmentation does not.
#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (sanitizer/allocator_interface.h, not installed with every compiler).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

Napi::Value MallocInUse(const Napi::CallbackInfo& info) {
#if defined(__SANITIZE_ADDRESS__)
  return Napi::Number::New(info.Env(), static_cast<double>(__sanitizer_get_current_allocated_bytes()));
#elif defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  struct mallinfo2 stats = mallinfo2();
  return Napi::Number::New(info.Env(), static_cast<double>(stats.uordblks + stats.hblkhd));
#else
  return Napi::Number::New(info.Env(), -1);
#endif
}

// Drops the environment's JS references and its share of AddonData when the environment
// (main thread or a worker) goes away; contexts and sessions still alive keep AddonData.
void CleanupEnv(EnvData* data) {
  data->secure_context_constructor.Reset();
  data->addon.reset();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const char* reason = nullptr;
  std::shared_ptr<AddonData> addon = AddonData::Create(&reason);
  if (addon == nullptr) {
    Napi::Error::New(env, std::string("sip-tls: ") + reason).ThrowAsJavaScriptException();
    return exports;
  }
  EnvData* data = new EnvData();
  data->addon = std::move(addon);
  env.SetInstanceData<EnvData>(data);
  env.AddCleanupHook(CleanupEnv, data);

  exports.Set("opensslHeaderVersion", Napi::String::New(env, OPENSSL_FULL_VERSION_STR));
  exports.Set("opensslRuntimeVersion",
              Napi::String::New(env, OpenSSL_version(OPENSSL_FULL_VERSION_STRING)));
  exports.Set("opensslHeaderVersionNumber",
              Napi::Number::New(env, static_cast<double>(OPENSSL_VERSION_NUMBER)));
  exports.Set("opensslRuntimeVersionNumber",
              Napi::Number::New(env, static_cast<double>(OpenSSL_version_num())));
  exports.Set("checkOpenSslVersion", Napi::Function::New<CheckOpenSslVersion>(env));
  exports.Set("bufferPoolStats", Napi::Function::New<BufferPoolStatsValue>(env));
  exports.Set("setBufferFreelistMax", Napi::Function::New<SetBufferFreelistMax>(env));
  exports.Set("mallocInUse", Napi::Function::New<MallocInUse>(env));
  SecureContextWrap::Init(env, exports);
  TlsSession::Init(env, exports);
  InitHsmBinding(env, exports);
  InitSipFramer(env, exports);
  InitTransport(env, exports);
  UnixDgramSocket::Init(env, exports);
  return exports;
}

}  // namespace siptls

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return siptls::Init(env, exports);
}

NODE_API_MODULE(sip_tls, InitModule)
