// The load-time OpenSSL version guard (Kamailio's tls_force_run check).
#ifndef SIPTLS_OPENSSL_VERSION_H_
#define SIPTLS_OPENSSL_VERSION_H_

#include <string>

namespace siptls {

// True when two OPENSSL_VERSION_NUMBER values belong to the same ABI series: major.minor on
// OpenSSL >= 3 (0xMNN00PP0), major.minor.fix on 1.x (0xMNNFFPPS), as Kamailio compares them.
bool SameOpenSslSeries(unsigned long built, unsigned long running);

// "3.0.19" from 0x30000130 (1.x numbers give "1.1.1" plus the patch letter).
std::string OpenSslVersionText(unsigned long number);

}  // namespace siptls

#endif  // SIPTLS_OPENSSL_VERSION_H_
