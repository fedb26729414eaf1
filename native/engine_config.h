// Reads the `engine_config` file: the OpenSSL configuration (config(5)) the guide's HSM Howto uses
// to load an engine and pass it its settings (module path, PIN, vendor init strings).
//
//   kamailio = openssl_init          # the app name; `sip_tls = …` is accepted too
//   [openssl_init]
//   engines = engine_section
//   [engine_section]
//   pkcs11 = pkcs11_section          # the `engine` module parameter names this key
//   [pkcs11_section]
//   dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
//   MODULE_PATH = /usr/lib/softhsm/libsofthsm2.so
//   PIN = 1234
#ifndef SIPTLS_ENGINE_CONFIG_H_
#define SIPTLS_ENGINE_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

namespace siptls {

struct EngineConfig {
  std::string dynamic_path;  // shared object to load through the "dynamic" engine; "" = by id
  std::string engine_id;     // the id the shared object must bind as (default: the engine name)
  // Every other key of the engine's section, in file order, for ENGINE_ctrl_cmd_string.
  std::vector<std::pair<std::string, std::string>> commands;
};

// Reads the section of engine `engine` from `path`. Returns false and fills `*error` (naming the
// file, and the line or section at fault) if the file cannot be read or lacks a section.
bool ReadEngineConfig(const std::string& path, const std::string& engine, EngineConfig* config,
                      std::string* error);

}  // namespace siptls

#endif  // SIPTLS_ENGINE_CONFIG_H_
