// TlsError as the JS value that crosses the boundary:
// { code, library, reason, message, file?, parameter?, verifyResult?, verifyError? }.
#ifndef SIPTLS_ERROR_VALUE_H_
#define SIPTLS_ERROR_VALUE_H_

#include <napi.h>

#include "ssl_error.h"

namespace siptls {

Napi::Object ErrorToValue(Napi::Env env, const TlsError& error);

// Throws a JS Error carrying the same fields (for constructor failures, where no value can be
// returned).
void ThrowErrorValue(Napi::Env env, const TlsError& error);

}  // namespace siptls

#endif  // SIPTLS_ERROR_VALUE_H_
