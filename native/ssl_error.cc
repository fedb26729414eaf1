// TlsError helpers (see ssl_error.h).
#include "ssl_error.h"

#include <cctype>
#include <cstdio>

#include <openssl/err.h>

namespace siptls {

namespace {

// The libraries Node names in its codes (src/crypto/crypto_util.cc, OSSL_ERROR_CODES_MAP);
// others get plain "ERR_OSSL_<REASON>", exactly as Node gives them.
const char* NodeLibraryPrefix(int lib) {
  switch (lib) {
    case ERR_LIB_SYS: return "SYS_";
    case ERR_LIB_BN: return "BN_";
    case ERR_LIB_RSA: return "RSA_";
    case ERR_LIB_DH: return "DH_";
    case ERR_LIB_EVP: return "EVP_";
    case ERR_LIB_BUF: return "BUF_";
    case ERR_LIB_OBJ: return "OBJ_";
    case ERR_LIB_PEM: return "PEM_";
    case ERR_LIB_DSA: return "DSA_";
    case ERR_LIB_X509: return "X509_";
    case ERR_LIB_ASN1: return "ASN1_";
    case ERR_LIB_CONF: return "CONF_";
    case ERR_LIB_CRYPTO: return "CRYPTO_";
    case ERR_LIB_EC: return "EC_";
    case ERR_LIB_SSL: return "SSL_";
    case ERR_LIB_BIO: return "BIO_";
    case ERR_LIB_PKCS7: return "PKCS7_";
    case ERR_LIB_X509V3: return "X509V3_";
    case ERR_LIB_PKCS12: return "PKCS12_";
    case ERR_LIB_RAND: return "RAND_";
    case ERR_LIB_DSO: return "DSO_";
    case ERR_LIB_ENGINE: return "ENGINE_";
    case ERR_LIB_OCSP: return "OCSP_";
    case ERR_LIB_UI: return "UI_";
    case ERR_LIB_COMP: return "COMP_";
    case ERR_LIB_ECDSA: return "ECDSA_";
    case ERR_LIB_ECDH: return "ECDH_";
    case ERR_LIB_OSSL_STORE: return "OSSL_STORE_";
    case ERR_LIB_FIPS: return "FIPS_";
    case ERR_LIB_CMS: return "CMS_";
    case ERR_LIB_TS: return "TS_";
    case ERR_LIB_HMAC: return "HMAC_";
    case ERR_LIB_CT: return "CT_";
    case ERR_LIB_ASYNC: return "ASYNC_";
    case ERR_LIB_KDF: return "KDF_";
    case ERR_LIB_SM2: return "SM2_";
    case ERR_LIB_USER: return "USER_";
    default: return "";
  }
}

std::string ReasonText(unsigned long err) {
  const char* reason = ERR_reason_error_string(err);
  if (reason != nullptr) return reason;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "reason(%d)", ERR_GET_REASON(err));
  return buffer;
}

}  // namespace

std::string TlsError::Message() const {
  std::string message = reason.empty() ? code : reason;
  if (!parameter.empty() || !file.empty()) {
    message += " (";
    if (!parameter.empty()) message += "parameter " + parameter;
    if (!parameter.empty() && !file.empty()) message += ", ";
    if (!file.empty()) message += "file " + file;
    message += ")";
  }
  return message;
}

TlsError MakeError(const char* code, std::string reason, std::string parameter, std::string file) {
  TlsError error;
  error.code = code;
  error.library = "sip-tls";
  error.reason = std::move(reason);
  error.parameter = std::move(parameter);
  error.file = std::move(file);
  return error;
}

std::string OpenSslErrorCode(unsigned long err) {
  const char* lib = NodeLibraryPrefix(ERR_GET_LIB(err));
  // Node: "Don't generate codes like ERR_OSSL_SSL_".
  std::string code = std::string(lib) == "SSL_" ? "ERR_SSL_" : std::string("ERR_OSSL_") + lib;
  for (char c : ReasonText(err)) {
    code += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return code;
}

namespace {

TlsError ErrorFromPackedCode(unsigned long err) {
  TlsError error;
  error.code = OpenSslErrorCode(err);
  const char* lib = ERR_lib_error_string(err);
  error.library = lib != nullptr ? lib : "";
  error.reason = ReasonText(err);
  return error;
}

}  // namespace

TlsError SslReasonError(int reason) { return ErrorFromPackedCode(ERR_PACK(ERR_LIB_SSL, 0, reason)); }

TlsError TakeOpenSslError(const char* fallback_code, const char* fallback_reason) {
  // The earliest error is the cause; later ones are the call sites it passed through.
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return MakeError(fallback_code, fallback_reason);
  return ErrorFromPackedCode(err);
}

void ClearErrorQueue() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

ClearErrorsOnEntryAndExit::ClearErrorsOnEntryAndExit() { ClearErrorQueue(); }
ClearErrorsOnEntryAndExit::~ClearErrorsOnEntryAndExit() { ClearErrorQueue(); }

}  // namespace siptls
