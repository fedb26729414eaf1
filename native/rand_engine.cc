#include "rand_engine.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "engine_keys.h"

namespace siptls {

bool SetDrbgType(OSSL_LIB_CTX* libctx, const std::string& drbg, const std::string& cipher,
                 const std::string& digest, std::string* error) {
  ERR_clear_error();
  // Only the DRBGs created after this call get the type, and OpenSSL refuses once the primary
  // exists (RAND_R_ALREADY_INSTANTIATED): the module must apply rand_engine before it builds its
  // first SSL_CTX. See RAND_set_DRBG_type(3).
  if (!RAND_set_DRBG_type(libctx, drbg.c_str(), nullptr, cipher.empty() ? nullptr : cipher.c_str(),
                          digest.empty() ? nullptr : digest.c_str())) {
    *error = "rand_engine: cannot set the DRBG to " + drbg + " (" + DrainOpenSslErrors() +
             "); it must be set before the first TLS context is built";
    return false;
  }
  // Instantiate now, so a DRBG OpenSSL cannot build fails here and not in a handshake.
  if (!RAND_get0_primary(libctx)) {
    *error = "rand_engine: OpenSSL cannot instantiate " + drbg + ": " + DrainOpenSslErrors();
    return false;
  }
  return true;
}

bool DescribeDrbg(OSSL_LIB_CTX* libctx, DrbgDescription* description) {
  ERR_clear_error();
  EVP_RAND_CTX* primary = RAND_get0_primary(libctx);
  if (!primary) {
    ERR_clear_error();
    return false;
  }
  description->type = EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(primary));
  description->strength = static_cast<int>(EVP_RAND_get_strength(primary));
  // The mechanism parameter a DRBG type has: cipher for CTR-DRBG, digest for HASH/HMAC-DRBG.
  char mechanism[64] = "";
  const char* key = description->type == "CTR-DRBG" ? OSSL_DRBG_PARAM_CIPHER : OSSL_DRBG_PARAM_DIGEST;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(key, mechanism, sizeof(mechanism)),
                         OSSL_PARAM_construct_end()};
  if (EVP_RAND_CTX_get_params(primary, params) && OSSL_PARAM_modified(&params[0])) {
    description->mechanism = mechanism;
  }
  ERR_clear_error();
  return true;
}

}  // namespace siptls
