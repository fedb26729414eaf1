// Private key references (see key_ref.h). The engine/provider loading itself belongs to the HSM
// support; until it is built in, a reference is refused loudly so a profile never comes up
// without its key.
#include "key_ref.h"

namespace siptls {

bool IsPrivateKeyRef(const std::string& private_key) {
  return private_key.rfind("/engine:", 0) == 0 || private_key.rfind("/uri:", 0) == 0;
}

bool LoadPrivateKeyRef(AddonData&, SSL_CTX*, const std::string& ref, const std::string&,
                       const char* parameter, TlsError* error) {
  *error = MakeError("ERR_TLS_ENGINE_KEY_UNSUPPORTED",
                     "engine keys need the engine support, which this build does not have: " + ref,
                     parameter);
  return false;
}

}  // namespace siptls
