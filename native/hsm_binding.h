// JS binding of the HSM support (policy in src/hsm.ts):
//   loadEngine(id, configPath) -> { error? }   the environment's engine for /engine: keys
//   setRandEngine(drbg, cipher, digest) -> { error? }   rand_engine, module context only
//   describeDrbg('module' | 'node') -> { type, mechanism, strength }
#ifndef SIPTLS_HSM_BINDING_H_
#define SIPTLS_HSM_BINDING_H_

#include <napi.h>

namespace siptls {

void InitHsmBinding(Napi::Env env, Napi::Object exports);

}  // namespace siptls

#endif  // SIPTLS_HSM_BINDING_H_
