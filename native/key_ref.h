// Private keys named by reference instead of a PEM file: "/engine:<key-id>" (an OpenSSL
// ENGINE, e.g. PKCS#11) or "/uri:<store-uri>" (an OSSL_STORE URI such as "pkcs11:…").
//
// This is the one extension point for HSM keys: SecureContext calls LoadPrivateKeyRef() for
// every private_key / private_key2 that IsPrivateKeyRef() accepts, and uses nothing else.
#ifndef SIPTLS_KEY_REF_H_
#define SIPTLS_KEY_REF_H_

#include <string>

#include <openssl/ssl.h>

#include "addon_data.h"
#include "ssl_error.h"

namespace siptls {

// True for "/engine:…" and "/uri:…" values.
bool IsPrivateKeyRef(const std::string& private_key);

// Loads the referenced key into `ctx` (which already holds the matching certificate).
// `parameter` is the Kamailio parameter name for errors ("private_key" or "private_key2").
// Returns true on success; else false with `*error` set (code ERR_TLS_*, naming the parameter).
bool LoadPrivateKeyRef(AddonData& addon, SSL_CTX* ctx, const std::string& ref,
                       const std::string& password, const char* parameter, TlsError* error);

}  // namespace siptls

#endif  // SIPTLS_KEY_REF_H_
