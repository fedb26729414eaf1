#include "engine_config.h"

#include <openssl/conf.h>
#include <openssl/err.h>

#include <memory>

namespace siptls {

namespace {

struct ConfFree {
  void operator()(CONF* conf) const { NCONF_free(conf); }
};

// The app names whose value names the module's init section: Kamailio's and our own.
constexpr const char* kAppNames[] = {"kamailio", "sip_tls"};

// NCONF_get_string(3) pushes CONF_R_NO_VALUE for a missing key: a missing key is an answer here,
// so the error queue is cleared after each probe.
const char* GetString(CONF* conf, const char* section, const char* name) {
  const char* value = NCONF_get_string(conf, section, name);
  ERR_clear_error();
  return value;
}

}  // namespace

bool ReadEngineConfig(const std::string& path, const std::string& engine, EngineConfig* config,
                      std::string* error) {
  ERR_clear_error();
  std::unique_ptr<CONF, ConfFree> conf(NCONF_new(nullptr));
  if (!conf) {
    *error = "engine_config: out of memory";
    return false;
  }
  long error_line = -1;
  if (NCONF_load(conf.get(), path.c_str(), &error_line) <= 0) {
    unsigned long code = ERR_peek_last_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    std::string why = reason ? reason : "unknown error";
    ERR_clear_error();
    if (error_line > 0) {
      *error = path + ":" + std::to_string(error_line) + ": syntax error in engine_config (" + why + ")";
    } else {
      *error = "engine_config " + path + ": cannot read the file (" + why + ")";
    }
    return false;
  }
  const char* app_section = nullptr;
  for (const char* app : kAppNames) {
    app_section = GetString(conf.get(), nullptr, app);
    if (app_section) break;
  }
  if (!app_section) {
    *error = "engine_config " + path +
             ": no `kamailio = <section>` (or `sip_tls = <section>`) line before the first section";
    return false;
  }
  const char* engines_section = GetString(conf.get(), app_section, "engines");
  if (!engines_section) {
    *error = "engine_config " + path + ": section [" + app_section + "] has no `engines = <section>`";
    return false;
  }
  const char* engine_section = GetString(conf.get(), engines_section, engine.c_str());
  if (!engine_section) {
    *error = "engine_config " + path + ": section [" + engines_section + "] has no `" + engine +
             " = <section>` for engine \"" + engine + "\"";
    return false;
  }
  STACK_OF(CONF_VALUE)* values = NCONF_get_section(conf.get(), engine_section);
  ERR_clear_error();
  if (!values) {
    *error = "engine_config " + path + ": section [" + engine_section + "] is missing";
    return false;
  }
  config->dynamic_path.clear();
  config->engine_id = engine;
  config->commands.clear();
  for (int i = 0; i < sk_CONF_VALUE_num(values); i++) {
    const CONF_VALUE* value = sk_CONF_VALUE_value(values, i);
    std::string name = value->name;
    if (name == "dynamic_path") {
      config->dynamic_path = value->value;
    } else if (name == "engine_id") {
      config->engine_id = value->value;
    } else if (name == "default_algorithms") {
      *error = "engine_config " + path + ": [" + engine_section +
               "] default_algorithms is not supported; use the engine_algorithms parameter";
      return false;
    } else {
      config->commands.emplace_back(name, value->value);
    }
  }
  return true;
}

}  // namespace siptls
