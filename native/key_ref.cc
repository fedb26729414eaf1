// Private key references (see key_ref.h): "/engine:<key id>" through the environment's engine
// (engine_keys.h), "/uri:<store uri>" through OSSL_STORE in the module's library context
// (provider_keys.h). The key stays where it is (an HSM); the SSL_CTX holds a handle to it.
#include "key_ref.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <vector>

#include "engine_keys.h"
#include "provider_keys.h"

namespace siptls {

namespace {

constexpr char kEnginePrefix[] = "/engine:";
constexpr char kUriPrefix[] = "/uri:";

bool StartsWith(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

// Loads the key a reference names. Returns nullptr with `*error` set.
EVP_PKEY* LoadReferencedKey(AddonData& addon, const std::string& ref, const std::string& password,
                            const char* parameter, TlsError* error) {
  std::string reason;
  EVP_PKEY* key = nullptr;
  if (StartsWith(ref, kEnginePrefix)) {
    const EngineKeys* engine = addon.Engine();
    if (engine == nullptr) {
      *error = MakeError("ERR_TLS_ENGINE_NOT_LOADED",
                        parameter + std::string(" = ") + ref +
                            " needs an engine, but the engine parameter is NONE",
                        parameter);
      return nullptr;
    }
    key = engine->LoadPrivateKey(ref.substr(sizeof(kEnginePrefix) - 1), password, &reason);
  } else {
    key = LoadStorePrivateKey(addon.LibCtx(), ref.substr(sizeof(kUriPrefix) - 1),
                              ConfiguredSecretUiMethod(),
                              password.empty() ? nullptr : const_cast<char*>(password.c_str()),
                              &reason);
  }
  if (key == nullptr) {
    *error = MakeError(HsmFailureCode(ClassifyHsmError(reason)), reason, parameter);
  }
  return key;
}

// Makes one signature with `key`, so a key the HSM can no longer use (token removed, device
// gone, session lost) fails here, while the profile loads, and not in every handshake after. An
// engine may hand out a cached key handle without asking the HSM (libp11 does), so loading alone
// proves nothing. Ed25519/Ed448 sign without a separate digest (EVP_DigestSignInit_ex(3)).
bool ProbeSignature(AddonData& addon, EVP_PKEY* key, std::string* reason) {
  static const unsigned char kProbe[32] = {0};
  int id = EVP_PKEY_get_base_id(key);
  const char* digest = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : "SHA256";
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t length = static_cast<size_t>(EVP_PKEY_get_size(key));
  std::vector<unsigned char> signature(length);
  bool ok = md != nullptr && length > 0 &&
            EVP_DigestSignInit_ex(md, nullptr, digest, addon.LibCtx(), nullptr, key, nullptr) == 1 &&
            EVP_DigestSign(md, signature.data(), &length, kProbe, sizeof(kProbe)) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) *reason = DrainOpenSslErrors();
  return ok;
}

}  // namespace

bool IsPrivateKeyRef(const std::string& private_key) {
  return StartsWith(private_key, kEnginePrefix) || StartsWith(private_key, kUriPrefix);
}

bool LoadPrivateKeyRef(AddonData& addon, SSL_CTX* ctx, const std::string& ref,
                       const std::string& password, const char* parameter, TlsError* error) {
  ERR_clear_error();
  EVP_PKEY* key = LoadReferencedKey(addon, ref, password, parameter, error);
  if (key == nullptr) return false;
  std::string reason;
  if (!ProbeSignature(addon, key, &reason)) {
    EVP_PKEY_free(key);
    HsmFailure failure = ClassifyHsmError(reason);
    *error = MakeError(failure == HsmFailure::kOther ? "ERR_TLS_HSM_UNAVAILABLE" : HsmFailureCode(failure),
                       parameter + std::string(" ") + ref + ": the key was found but cannot sign (" +
                           reason + ")",
                       parameter);
    return false;
  }
  // SSL_CTX_use_PrivateKey(3) puts the key in the slot of its type and refuses it if that slot's
  // certificate holds another public key; SSL_CTX_check_private_key(3) then catches a key whose
  // type has no certificate at all. Kamailio checks neither for engine keys.
  bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!used) {
    *error = MakeError("ERR_TLS_KEY_MISMATCH",
                      parameter + std::string(" ") + ref + " does not match the certificate (" +
                          DrainOpenSslErrors() + ")",
                      parameter);
    return false;
  }
  ERR_clear_error();
  return true;
}

}  // namespace siptls
