#include "provider_keys.h"

#include <openssl/err.h>
#include <openssl/store.h>

#include "engine_keys.h"

namespace siptls {

EVP_PKEY* LoadStorePrivateKey(OSSL_LIB_CTX* libctx, const std::string& uri,
                              const UI_METHOD* ui_method, void* ui_data, std::string* error) {
  ERR_clear_error();
  // OSSL_STORE_open_ex(3) asks the providers of `libctx` for a loader of the URI's scheme;
  // "pkcs11:" needs a PKCS#11 provider loaded in that context (there is none by default).
  OSSL_STORE_CTX* store =
      OSSL_STORE_open_ex(uri.c_str(), libctx, nullptr, ui_method, ui_data, nullptr, nullptr, nullptr);
  if (!store) {
    std::string scheme = uri.substr(0, uri.find(':'));
    *error = "cannot open \"" + uri + "\": no provider in the module's OpenSSL context handles \"" +
             scheme + ":\" URIs (" + DrainOpenSslErrors() + ")";
    if (scheme == "pkcs11") {
      *error += "; without a PKCS#11 provider, use the pkcs11 engine: engine = pkcs11 and "
                "private_key = /engine:" + uri;
    }
    return nullptr;
  }
  // Ask only for private keys, so a store holding the certificate too yields the key directly.
  OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
  EVP_PKEY* key = nullptr;
  while (!key && !OSSL_STORE_eof(store)) {
    OSSL_STORE_INFO* info = OSSL_STORE_load(store);
    if (!info) {
      if (OSSL_STORE_error(store)) break;
      continue;
    }
    if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) key = OSSL_STORE_INFO_get1_PKEY(info);
    OSSL_STORE_INFO_free(info);
  }
  if (!key) {
    std::string reasons = ERR_peek_error() ? DrainOpenSslErrors() : "the store holds no private key";
    *error = "no private key at \"" + uri + "\": " + reasons;
  }
  OSSL_STORE_close(store);
  ERR_clear_error();
  return key;
}

}  // namespace siptls
