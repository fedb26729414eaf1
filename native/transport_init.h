// Registration of the transport's JS classes on the addon's exports (called from addon.cc).
#ifndef SIPTLS_TRANSPORT_INIT_H_
#define SIPTLS_TRANSPORT_INIT_H_

#include <napi.h>

namespace siptls {

void InitSipFramer(Napi::Env env, Napi::Object exports);
void InitTransport(Napi::Env env, Napi::Object exports);

}  // namespace siptls

#endif  // SIPTLS_TRANSPORT_INIT_H_
