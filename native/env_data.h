// The per-environment instance data (napi_set_instance_data): the shared AddonData plus the
// JS constructors native code needs. Freed by the environment's cleanup; see addon.cc.
#ifndef SIPTLS_ENV_DATA_H_
#define SIPTLS_ENV_DATA_H_

#include <memory>

#include <napi.h>

#include "addon_data.h"

namespace siptls {

struct EnvData {
  std::shared_ptr<AddonData> addon;
  Napi::FunctionReference secure_context_constructor;
  Napi::FunctionReference session_constructor;
};

// The environment's EnvData (never null once the module is initialised).
inline EnvData* GetEnvData(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

}  // namespace siptls

#endif  // SIPTLS_ENV_DATA_H_
