// Private keys named by an OSSL_STORE URI (`private_key = /uri:<uri>`, Kamailio's newer form for
// OpenSSL 3 providers, e.g. "/uri:pkcs11:token=T;object=K"). The URI is opened in the module's
// own library context, so only providers loaded there (never Node's) are asked.
#ifndef SIPTLS_PROVIDER_KEYS_H_
#define SIPTLS_PROVIDER_KEYS_H_

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ui.h>

#include <string>

namespace siptls {

// Loads the first private key `uri` yields, asking `ui_method` for any PIN or passphrase.
// Returns a new reference the caller owns, or nullptr with `*error` set (no provider for the
// URI's scheme, nothing found, wrong PIN).
EVP_PKEY* LoadStorePrivateKey(OSSL_LIB_CTX* libctx, const std::string& uri,
                              const UI_METHOD* ui_method, void* ui_data, std::string* error);

}  // namespace siptls

#endif  // SIPTLS_PROVIDER_KEYS_H_
