// The ENGINE API is deprecated in OpenSSL 3.0 but is the only way to use engine-held keys
// (the guide's /engine: keys); see ENGINE_by_id(3).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "engine_keys.h"

#include <openssl/err.h>
#include <openssl/ui.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <set>
#include <mutex>
#include <vector>

#include "engine_config.h"

namespace siptls {

namespace {

// Where an engine's shared object is looked for when engine_config gives no dynamic_path. Node's
// OpenSSL is built with ENGINESDIR "/dev/null", so OpenSSL's own lookup by id would find nothing.
std::vector<std::string> EngineSearchDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("OPENSSL_ENGINES")) dirs.emplace_back(env);
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu/engines-3", "/usr/lib/aarch64-linux-gnu/engines-3",
                          "/usr/lib64/engines-3", "/usr/lib/engines-3", "/usr/local/lib/engines-3",
                          "/usr/local/lib64/engines-3"}) {
    dirs.emplace_back(dir);
  }
  return dirs;
}

bool IsReadableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Finds the engine's shared object: dynamic_path if given, else <dir>/<id>.so in the search dirs.
// Returns "" and fills `*error` with every path tried.
std::string FindEngineObject(const std::string& engine_id, const EngineConfig& config,
                             const std::string& config_path, std::string* error) {
  if (!config.dynamic_path.empty()) {
    if (IsReadableFile(config.dynamic_path)) return config.dynamic_path;
    *error = "engine \"" + engine_id + "\" not found: dynamic_path " + config.dynamic_path +
             " (engine_config " + config_path + ") is not a readable file";
    return "";
  }
  std::string tried;
  for (const std::string& dir : EngineSearchDirs()) {
    std::string candidate = dir + "/" + engine_id + ".so";
    if (IsReadableFile(candidate)) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  *error = "engine \"" + engine_id + "\" not found (tried " + tried +
           "); set dynamic_path in engine_config or OPENSSL_ENGINES";
  return "";
}

// A control command the engine refused, without its value (it may be a PIN).
std::string CommandError(const std::string& engine_id, const std::string& config_path,
                         const std::string& command) {
  return "engine \"" + engine_id + "\" refused the command " + command + " from engine_config " +
         config_path + ": " + DrainOpenSslErrors();
}

// The engines bound in this process, by shared object. OpenSSL's engine registry is itself
// process-wide, and libp11 (and other engines) refuse to bind a second time in one process
// ("init failed" on LOAD), even after every reference is gone. So each shared object is bound
// once, keeps one functional reference for the life of the process (its PKCS#11 module stays
// initialised, no C_Finalize/C_Initialize cycles), and every environment (main thread, workers)
// and every generation shares it. Guarded by `mutex`; entries are never removed.
struct BoundEngine {
  ENGINE* engine;
  EngineConfig config;
};

struct BoundEngines {
  std::mutex mutex;
  std::map<std::string, BoundEngine> by_object;
  // PINs handed to ENGINE_load_private_key as UI data. libp11 keeps that pointer to log in again
  // later (after a session loss), so each one must live as long as the engine: the process.
  std::set<std::string> secrets;

  static BoundEngines& Get() {
    static BoundEngines* const engines = new BoundEngines();
    return *engines;
  }
};

// Binds `object` through a fresh "dynamic" engine, applies engine_config's commands and
// initialises it. Returns the engine with one functional reference, or nullptr and `*error`.
ENGINE* BindEngine(const std::string& engine_id, const std::string& object,
                   const EngineConfig& config, const std::string& config_path,
                   std::string* error) {
  // The shared object's libcrypto symbols resolve to the ones Node exports (one OpenSSL in the
  // process). LIST_ADD 0 keeps the engine out of the global engine list, so ENGINE_by_id
  // elsewhere in the process (Node's crypto.setEngine) never finds it. See ENGINE_by_id(3),
  // "Advanced configuration support".
  ENGINE* engine = ENGINE_by_id("dynamic");
  if (!engine) {
    *error = "OpenSSL has no dynamic engine support: " + DrainOpenSslErrors();
    return nullptr;
  }
  const std::pair<const char*, std::string> load_commands[] = {
      {"SO_PATH", object}, {"ID", config.engine_id}, {"LIST_ADD", "0"}, {"LOAD", ""}};
  for (const auto& [name, value] : load_commands) {
    if (!ENGINE_ctrl_cmd_string(engine, name, value.empty() ? nullptr : value.c_str(), 0)) {
      *error = "engine \"" + engine_id + "\": cannot load " + object + " (" + name +
               " failed: " + DrainOpenSslErrors() + ")";
      ENGINE_free(engine);
      return nullptr;
    }
  }
  // File order, as OpenSSL's own engine config module applies them. Kamailio pops them off a
  // stack (reverse order); engines that keep their settings until init (libp11) see no
  // difference.
  for (const auto& [name, value] : config.commands) {
    // Commands that take no input (libp11's QUIET, FORCE_LOGIN) must get NULL; "EMPTY" is
    // OpenSSL's own config spelling for it (see config(5), "Engine Configuration").
    const char* arg = value.empty() || value == "EMPTY" ? nullptr : value.c_str();
    if (!ENGINE_ctrl_cmd_string(engine, name.c_str(), arg, 0)) {
      *error = CommandError(engine_id, config_path, name);
      ENGINE_free(engine);
      return nullptr;
    }
  }
  if (!ENGINE_init(engine)) {
    *error = "engine \"" + engine_id + "\": initialisation failed: " + DrainOpenSslErrors();
    ENGINE_free(engine);
    return nullptr;
  }
  // ENGINE_init took a functional reference; the structural one from ENGINE_by_id goes.
  ENGINE_free(engine);
  return engine;
}

}  // namespace

std::string DrainOpenSslErrors() {
  std::string text;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text += (text.empty() ? "" : "; ") + std::string(buf);
  }
  return text.empty() ? "no OpenSSL error recorded" : text;
}

UI_METHOD* ConfiguredSecretUiMethod() {
  // The reader is called only for input prompts; UI_set_result hands over the configured secret,
  // and returning 0 makes UI_process fail, so the engine reports "no PIN" instead of opening
  // /dev/tty. See UI_create_method(3), UI_set_result(3).
  static UI_METHOD* const method = [] {
    UI_METHOD* m = UI_create_method("sip-tls: configured secret, never prompt");
    UI_method_set_reader(m, [](UI* ui, UI_STRING* prompt) {
      const char* secret = static_cast<const char*>(UI_get0_user_data(ui));
      if (secret == nullptr || *secret == '\0') return 0;
      return UI_set_result(ui, prompt, secret) == 0 ? 1 : 0;
    });
    return m;
  }();
  return method;
}

HsmFailure ClassifyHsmError(const std::string& text) {
  auto has = [&text](const char* needle) { return text.find(needle) != std::string::npos; };
  // Reason strings of libp11's PKCS#11 errors (CKR_PIN_*, CKR_TOKEN_*, CKR_DEVICE_*).
  if (has("PIN incorrect") || has("PIN invalid") || has("PIN len") || has("PIN locked") ||
      has("PIN expired") || has("asked for a PIN") || has("User not logged in")) {
    return HsmFailure::kWrongPin;
  }
  if (has("object not found") || has("no private key at")) return HsmFailure::kKeyNotFound;
  if (has("Token not present") || has("Device error") || has("Device removed") ||
      has("Device memory") || has("Session handle invalid") || has("Session closed") ||
      has("Object handle invalid") || has("Key handle invalid") ||
      has("Cryptoki not initialized") || has("General Error") || has("Function failed") ||
      has("unable to load module") || has("Token not recognized")) {
    return HsmFailure::kUnavailable;
  }
  return HsmFailure::kOther;
}

const char* HsmFailureCode(HsmFailure failure) {
  switch (failure) {
    case HsmFailure::kWrongPin: return "ERR_TLS_HSM_PIN";
    case HsmFailure::kKeyNotFound: return "ERR_TLS_HSM_KEY_NOT_FOUND";
    case HsmFailure::kUnavailable: return "ERR_TLS_HSM_UNAVAILABLE";
    case HsmFailure::kOther: break;
  }
  return "ERR_TLS_HSM_KEY_LOAD";
}

std::unique_ptr<EngineKeys> EngineKeys::Load(const std::string& engine_id,
                                             const std::string& config_path, std::string* error) {
  ERR_clear_error();
  EngineConfig config;
  config.engine_id = engine_id;
  if (!config_path.empty() && !ReadEngineConfig(config_path, engine_id, &config, error)) {
    return nullptr;
  }
  std::string object = FindEngineObject(engine_id, config, config_path, error);
  if (object.empty()) return nullptr;

  BoundEngines& bound = BoundEngines::Get();
  std::lock_guard<std::mutex> lock(bound.mutex);
  auto it = bound.by_object.find(object);
  if (it == bound.by_object.end()) {
    ENGINE* engine = BindEngine(engine_id, object, config, config_path, error);
    if (!engine) return nullptr;
    it = bound.by_object.emplace(object, BoundEngine{engine, config}).first;
  } else if (it->second.config.engine_id != config.engine_id ||
             it->second.config.commands != config.commands) {
    *error = "engine \"" + engine_id + "\": " + object +
             " is already loaded in this process with other settings; an engine shared object "
             "binds once per process, so every environment must use the same engine_config";
    return nullptr;
  }
  // A functional reference of our own, released in the destructor (ENGINE_init(3)).
  if (!ENGINE_init(it->second.engine)) {
    *error = "engine \"" + engine_id + "\": initialisation failed: " + DrainOpenSslErrors();
    return nullptr;
  }
  return std::unique_ptr<EngineKeys>(new EngineKeys(it->second.engine, engine_id));
}

EngineKeys::~EngineKeys() {
  // Keys loaded from the engine hold references of their own; the process-wide binding keeps
  // the engine initialised in any case.
  ENGINE_finish(engine_);
}

EVP_PKEY* EngineKeys::LoadPrivateKey(const std::string& key_id, const std::string& pin,
                                     std::string* error) const {
  ERR_clear_error();
  void* ui_data = nullptr;
  if (!pin.empty()) {
    BoundEngines& bound = BoundEngines::Get();
    std::lock_guard<std::mutex> lock(bound.mutex);
    ui_data = const_cast<char*>(bound.secrets.insert(pin).first->c_str());
  }
  EVP_PKEY* key =
      ENGINE_load_private_key(engine_, key_id.c_str(), ConfiguredSecretUiMethod(), ui_data);
  if (!key) {
    // ConfiguredSecretUiMethod refused a prompt: the engine wanted a PIN nobody configured.
    bool prompted = ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_UI;
    *error = "engine \"" + engine_id_ + "\" cannot load private key \"" + key_id + "\": " +
             (prompted && pin.empty() ? "the engine asked for a PIN and none is configured (PIN in "
                                        "engine_config, or private_key_password); sip-tls never "
                                        "prompts: "
                                      : "") +
             DrainOpenSslErrors();
  }
  ERR_clear_error();
  return key;
}

}  // namespace siptls
