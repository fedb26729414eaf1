// Module init: exports the OpenSSL versions the addon was built for and runs on.
#include <napi.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "transport_init.h"
#include "unix_dgram.h"

namespace siptls {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("opensslHeaderVersion", Napi::String::New(env, OPENSSL_FULL_VERSION_STR));
  exports.Set("opensslRuntimeVersion",
              Napi::String::New(env, OpenSSL_version(OPENSSL_FULL_VERSION_STRING)));
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
