// The TLS 1.3 cipher suites whose record layer sip-tls runs itself (tls13_records.h), and the
// key schedule step it needs: HKDF-Expand-Label (RFC 8446 section 7.1).
#ifndef SIPTLS_TLS13_SUITES_H_
#define SIPTLS_TLS13_SUITES_H_

#include <cstddef>
#include <cstdint>

#include <openssl/evp.h>

namespace siptls {

struct Tls13Suite {
  uint16_t id;              // the suite's two bytes (0x1301 = TLS_AES_128_GCM_SHA256)
  const char* cipher_name;  // EVP_CIPHER_fetch(3) name
  const char* digest_name;  // the suite's hash (HKDF)
  size_t key_len;
  size_t hash_len;
  int index;                // position in the table (AddonData caches one EVP_CIPHER each)
};

constexpr size_t kTls13SuiteCount = 3;
constexpr size_t kTls13IvLength = 12;   // every suite here: a 96-bit nonce (RFC 8446 section 5.3)
constexpr size_t kTls13TagLength = 16;
constexpr size_t kTls13MaxHashLength = 48;
constexpr size_t kTls13MaxKeyLength = 32;

// The suite with these two bytes if sip-tls can run its records (AES-GCM, ChaCha20-Poly1305;
// not the CCM suites), else nullptr.
const Tls13Suite* FindTls13Suite(uint16_t id);

// An HKDF context in `libctx` for the suite: expand-only, the suite's hash set once, so that a
// derivation sets only the secret and the label (no fetch per call). nullptr if OpenSSL refuses.
EVP_KDF_CTX* NewTls13Hkdf(OSSL_LIB_CTX* libctx, const Tls13Suite& suite);

// HKDF-Expand-Label(secret, label, "", out_len) with `hkdf` (NewTls13Hkdf() of the suite).
// Returns false if OpenSSL refuses.
bool HkdfExpandLabel(EVP_KDF_CTX* hkdf, const Tls13Suite& suite, const uint8_t* secret,
                     const char* label, uint8_t* out, size_t out_len);

}  // namespace siptls

#endif  // SIPTLS_TLS13_SUITES_H_
