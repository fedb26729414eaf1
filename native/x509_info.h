// Certificate facts as the guide's selects and pseudo-variables expose them
// (@tls.peer.*, $tls_peer_*, $tls_my_*): plain strings, computed once after the handshake.
#ifndef SIPTLS_X509_INFO_H_
#define SIPTLS_X509_INFO_H_

#include <string>
#include <vector>

#include <openssl/x509.h>

namespace siptls {

struct NameFacts {
  std::string line;  // X509_NAME_oneline(): "/C=DE/O=sip-tls tests/CN=server.test"
  std::string cn, l, c, st, o, ou, uid;  // first entry of each, "" if absent
};

struct CertificateFacts {
  bool present = false;
  NameFacts subject;
  NameFacts issuer;
  std::vector<std::string> san_email, san_dns, san_uri, san_ip;  // subjectAltName by type
  std::string serial;      // decimal
  std::string not_before;  // ASN1_TIME_print(): "Nov 23 08:37:40 2026 GMT"
  std::string not_after;
  long version = -1;       // X509_get_version(): 2 for an X.509 v3 certificate (as Kamailio shows)
  std::string pem;         // the certificate, PEM
};

// Facts of `cert` (nullptr gives present=false).
CertificateFacts DescribeCertificate(X509* cert);

// The subjectAltName entries of `cert` by type (IP addresses as text); `present` is false when
// the certificate has no such extension.
struct SubjectAltNames {
  bool present = false;
  std::vector<std::string> email, dns, uri, ip;
};
SubjectAltNames ReadSubjectAltNames(X509* cert);

// The first CN of the subject of `cert`, or "".
std::string SubjectCommonName(X509* cert);

}  // namespace siptls

#endif  // SIPTLS_X509_INFO_H_
