// The module's OpenSSL ENGINE (the `engine` and `engine_config` parameters) and the private keys
// it holds (`private_key = /engine:<key id>`): the key stays in the HSM, OpenSSL calls the engine
// for every signature.
//
// The engine is loaded through the "dynamic" engine with LIST_ADD 0, so it never enters OpenSSL's
// global engine list, and nothing here calls ENGINE_set_default_*: Node's own crypto and tls,
// which share this OpenSSL, never route through it (see engine_algorithms in src/hsm.ts).
#ifndef SIPTLS_ENGINE_KEYS_H_
#define SIPTLS_ENGINE_KEYS_H_

#include <openssl/engine.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <utility>

namespace siptls {

class EngineKeys {
 public:
  // Loads and initialises engine `engine_id` as `config_path` describes ("" = no engine_config:
  // the shared object is looked up by id in $OPENSSL_ENGINES and the usual engines-3
  // directories). Returns nullptr and fills `*error` (naming the file, section, command or path
  // at fault) on failure; nothing is left loaded then.
  static std::unique_ptr<EngineKeys> Load(const std::string& engine_id,
                                          const std::string& config_path, std::string* error);
  ~EngineKeys();
  EngineKeys(const EngineKeys&) = delete;
  EngineKeys& operator=(const EngineKeys&) = delete;

  // Loads the private key `key_id` (e.g. "pkcs11:token=T;object=K;type=private") from the engine.
  // If the engine asks for a PIN (none in engine_config), it gets `pin` (the profile's
  // private_key_password); it never prompts. Returns a new reference the caller owns, or nullptr
  // with `*error` set (wrong PIN, key not found, HSM unreachable; see ClassifyHsmError).
  EVP_PKEY* LoadPrivateKey(const std::string& key_id, const std::string& pin, std::string* error) const;

  const std::string& EngineId() const { return engine_id_; }

 private:
  EngineKeys(ENGINE* engine, std::string engine_id)
      : engine_(engine), engine_id_(std::move(engine_id)) {}

  ENGINE* engine_;  // functional reference (ENGINE_init); released by ENGINE_finish
  std::string engine_id_;
};

// A UI_METHOD that answers every prompt with the string passed as UI user data (a PIN or
// passphrase from the configuration), and fails when that is null or empty: an engine or store
// that would prompt on the terminal gets an error instead (a server must never block on
// /dev/tty). Made once, lives for the process, never changes.
UI_METHOD* ConfiguredSecretUiMethod();

// Why loading a key from an HSM failed, from OpenSSL's error text.
enum class HsmFailure { kWrongPin, kKeyNotFound, kUnavailable, kOther };
HsmFailure ClassifyHsmError(const std::string& openssl_errors);
// Our error code for it: ERR_TLS_HSM_PIN, ERR_TLS_HSM_KEY_NOT_FOUND, ERR_TLS_HSM_UNAVAILABLE,
// ERR_TLS_HSM_KEY_LOAD.
const char* HsmFailureCode(HsmFailure failure);

// Every error on OpenSSL's queue, oldest first, joined by "; ", then clears the queue.
std::string DrainOpenSslErrors();

}  // namespace siptls

#endif  // SIPTLS_ENGINE_KEYS_H_
