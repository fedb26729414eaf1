// `rand_engine` on OpenSSL 3: the DRBG the module's own library context uses for every TLS
// random (client/server randoms, session ids, ticket keys, ECDHE keys of its handshakes).
// Node's randomness (the default library context) is never touched. The name -> DRBG mapping
// is policy and lives in src/hsm.ts.
#ifndef SIPTLS_RAND_ENGINE_H_
#define SIPTLS_RAND_ENGINE_H_

#include <openssl/crypto.h>

#include <string>

namespace siptls {

// Sets the DRBG type of `libctx`'s primary, public and private DRBGs: `drbg` is "CTR-DRBG",
// "HASH-DRBG" or "HMAC-DRBG", with `cipher` (CTR) or `digest` (HASH/HMAC); "" for the other.
// Must run before the context makes any random number (RAND_set_DRBG_type(3)); returns false and
// fills `*error` otherwise or if the DRBG cannot be instantiated.
bool SetDrbgType(OSSL_LIB_CTX* libctx, const std::string& drbg, const std::string& cipher,
                 const std::string& digest, std::string* error);

struct DrbgDescription {
  std::string type;       // EVP_RAND name, e.g. "CTR-DRBG"
  std::string mechanism;  // its cipher or digest, e.g. "AES-256-CTR", "SHA512"
  int strength = 0;       // security strength in bits
};

// Describes the primary DRBG of `libctx` (nullptr = Node's default context). Instantiates it if
// needed. Returns false if OpenSSL cannot.
bool DescribeDrbg(OSSL_LIB_CTX* libctx, DrbgDescription* description);

}  // namespace siptls

#endif  // SIPTLS_RAND_ENGINE_H_
