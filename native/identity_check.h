// The RFC 5922 section 7 identity check of a SIP server's certificate, done by the client.
//
// The expected identity is the SIP domain the client meant to reach (or an IP literal when it
// connected to a bare address). RFC 5922 section 7.1 says where a certificate names its SIP
// domains, and section 7.2 how they are compared:
//   1. subjectAltName URIs of scheme sip: or sips: without a user part: their host parts;
//   2. only if there are none, subjectAltName DNS names, compared whole (no wildcards:
//      section 7.2 forbids them, so "*.example.com" matches nothing);
//   3. only if the certificate has no subjectAltName extension at all, the subject's CN.
// Comparisons are case-insensitive. An IP literal identity is compared with the iPAddress
// entries (binary, so "::1" and "0:0::1" are the same) and with the same places as a name.
#ifndef SIPTLS_IDENTITY_CHECK_H_
#define SIPTLS_IDENTITY_CHECK_H_

#include <string>

#include <openssl/x509.h>

namespace siptls {

// Returns true when `cert` names `identity` by the rules above. When it does not, `*held`
// (if not null) is set to what the certificate offers, for the error message, e.g.
// "URI:sip:other.example, DNS:*.example.com" or "CN=host.example (no subjectAltName)".
bool CertificateMatchesSipIdentity(X509* cert, const std::string& identity, std::string* held);

}  // namespace siptls

#endif  // SIPTLS_IDENTITY_CHECK_H_
