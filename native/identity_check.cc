// RFC 5922 identity check (see identity_check.h).
#include "identity_check.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cstring>
#include <vector>

#include <openssl/x509v3.h>

namespace siptls {

namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string Asn1Text(const ASN1_STRING* value) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

// The host of a sip:/sips: URI that has no user part, or "" when the URI is not such a domain
// URI: "sip:example.com;transport=tls" -> "example.com",
// "sips:[2001:db8::1]:5061" -> "2001:db8::1".
// RFC 5922 section 7.1: a URI with a user part names a user, not the domain, so it is skipped.
std::string SipDomainOf(const std::string& uri) {
  size_t colon = uri.find(':');
  if (colon == std::string::npos) return std::string();
  std::string scheme = uri.substr(0, colon);
  if (!EqualsIgnoreCase(scheme, "sip") && !EqualsIgnoreCase(scheme, "sips")) return std::string();
  std::string rest = uri.substr(colon + 1);
  size_t end = rest.find_first_of(";?>");
  if (end != std::string::npos) rest.resize(end);
  if (rest.find('@') != std::string::npos) return std::string();
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    return close == std::string::npos ? std::string() : rest.substr(1, close - 1);
  }
  size_t port = rest.find(':');
  if (port != std::string::npos) rest.resize(port);
  return rest;
}

// The binary form of an IP literal (4 or 16 bytes), or empty when `text` is not one.
std::vector<unsigned char> IpBytes(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return std::vector<unsigned char>(buf, buf + 4);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::vector<unsigned char>(buf, buf + 16);
  return std::vector<unsigned char>();
}

// A name from the certificate equals the identity: as text, or as the same IP address.
bool SameHost(const std::string& name, const std::string& identity,
              const std::vector<unsigned char>& identity_ip) {
  if (EqualsIgnoreCase(name, identity)) return true;
  return !identity_ip.empty() && IpBytes(name) == identity_ip;
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN] = "?";
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  if (ASN1_STRING_length(ip) == 4) inet_ntop(AF_INET, data, text, sizeof(text));
  if (ASN1_STRING_length(ip) == 16) inet_ntop(AF_INET6, data, text, sizeof(text));
  return text;
}

void Append(std::string* list, const std::string& item) {
  if (list == nullptr) return;
  if (!list->empty()) *list += ", ";
  *list += item;
}

// The subject's first CN, or "".
std::string CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return std::string();
  return Asn1Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
}

}  // namespace

bool CertificateMatchesSipIdentity(X509* cert, const std::string& identity, std::string* held) {
  if (held != nullptr) held->clear();
  if (cert == nullptr || identity.empty()) {
    if (held != nullptr) *held = "no certificate";
    return false;
  }
  std::vector<unsigned char> identity_ip = IpBytes(identity);
  // X509_get_ext_d2i returns a new stack (freed below), or null when the extension is absent.
  // See X509_get_ext_d2i(3).
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    std::string cn = CommonName(cert);
    if (!cn.empty() && SameHost(cn, identity, identity_ip)) return true;
    if (held != nullptr) {
      *held = cn.empty() ? "no subjectAltName and no CN" : "CN=" + cn + " (no subjectAltName)";
    }
    return false;
  }
  bool matched = false;
  bool has_sip_uri = false;
  std::string offered;
  int count = sk_GENERAL_NAME_num(names);
  for (int i = 0; i < count && !matched; i++) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    std::string uri = Asn1Text(name->d.uniformResourceIdentifier);
    Append(&offered, "URI:" + uri);
    std::string domain = SipDomainOf(uri);
    if (domain.empty()) continue;
    has_sip_uri = true;
    matched = SameHost(domain, identity, identity_ip);
  }
  for (int i = 0; i < count && !matched; i++) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      std::string dns = Asn1Text(name->d.dNSName);
      Append(&offered, "DNS:" + dns);
      // RFC 5922 section 7.2: no wildcards, so a '*' never matches; and DNS names count only
      // when no sip/sips URI named a domain.
      if (!has_sip_uri && dns.find('*') == std::string::npos) {
        matched = SameHost(dns, identity, identity_ip);
      }
    } else if (name->type == GEN_IPADD) {
      Append(&offered, "IP:" + IpText(name->d.iPAddress));
      if (!has_sip_uri && !identity_ip.empty()) {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        matched = static_cast<size_t>(ASN1_STRING_length(ip)) == identity_ip.size() &&
                  std::memcmp(ASN1_STRING_get0_data(ip), identity_ip.data(),
                              identity_ip.size()) == 0;
      }
    }
  }
  GENERAL_NAMES_free(names);
  if (!matched && held != nullptr) {
    *held = offered.empty() ? "a subjectAltName with no URI, DNS or IP entry" : offered;
  }
  return matched;
}

}  // namespace siptls
