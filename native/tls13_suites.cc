// TLS 1.3 suites and HKDF-Expand-Label; see tls13_suites.h.
#include "tls13_suites.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>

namespace siptls {

namespace {

const Tls13Suite kSuites[kTls13SuiteCount] = {
    {0x1301, "AES-128-GCM", "SHA256", 16, 32, 0},
    {0x1302, "AES-256-GCM", "SHA384", 32, 48, 1},
    {0x1303, "ChaCha20-Poly1305", "SHA256", 32, 32, 2},
};

}  // namespace

const Tls13Suite* FindTls13Suite(uint16_t id) {
  for (const Tls13Suite& suite : kSuites) {
    if (suite.id == id) return &suite;
  }
  return nullptr;
}

EVP_KDF_CTX* NewTls13Hkdf(OSSL_LIB_CTX* libctx, const Tls13Suite& suite) {
  EVP_KDF* kdf = EVP_KDF_fetch(libctx, "HKDF", nullptr);
  EVP_KDF_CTX* context = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);  // the context holds its own reference
  if (context == nullptr) return nullptr;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(suite.digest_name), 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_CTX_set_params(context, params) != 1) {
    EVP_KDF_CTX_free(context);
    return nullptr;
  }
  return context;
}

bool HkdfExpandLabel(EVP_KDF_CTX* hkdf, const Tls13Suite& suite, const uint8_t* secret,
                     const char* label, uint8_t* out, size_t out_len) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
  static const char kPrefix[] = "tls13 ";
  size_t label_len = std::strlen(label);
  size_t full_len = sizeof(kPrefix) - 1 + label_len;
  if (full_len > 255 || out_len > 0xffff) return false;
  uint8_t info[2 + 1 + 255 + 1];
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out_len >> 8);
  info[n++] = static_cast<uint8_t>(out_len);
  info[n++] = static_cast<uint8_t>(full_len);
  std::memcpy(info + n, kPrefix, sizeof(kPrefix) - 1);
  n += sizeof(kPrefix) - 1;
  std::memcpy(info + n, label, label_len);
  n += label_len;
  info[n++] = 0;  // empty context
  // Setting the key and the info replaces what the previous derivation left (HKDF keeps them
  // in the context until the next set), so the context is reused as it is.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret), suite.hash_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
      OSSL_PARAM_construct_end(),
  };
  return hkdf != nullptr && EVP_KDF_derive(hkdf, out, out_len, params) == 1;
}

}  // namespace siptls
