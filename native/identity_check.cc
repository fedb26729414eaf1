// RFC 5922 identity check (see identity_check.h).
#include "identity_check.h"

#include <arpa/inet.h>
#include <strings.h>

#include <vector>

#include "x509_info.h"

namespace siptls {

namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
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

void Append(std::string* list, const std::string& item) {
  if (!list->empty()) *list += ", ";
  *list += item;
}

}  // namespace

bool CertificateMatchesSipIdentity(X509* cert, const std::string& identity, std::string* held) {
  if (held != nullptr) held->clear();
  if (cert == nullptr || identity.empty()) {
    if (held != nullptr) *held = "no certificate";
    return false;
  }
  std::vector<unsigned char> identity_ip = IpBytes(identity);
  SubjectAltNames names = ReadSubjectAltNames(cert);
  if (!names.present) {
    std::string cn = SubjectCommonName(cert);
    if (!cn.empty() && SameHost(cn, identity, identity_ip)) return true;
    if (held != nullptr) {
      *held = cn.empty() ? "no subjectAltName and no CN" : "CN=" + cn + " (no subjectAltName)";
    }
    return false;
  }
  bool has_sip_uri = false;
  for (const std::string& uri : names.uri) {
    std::string domain = SipDomainOf(uri);
    if (domain.empty()) continue;
    has_sip_uri = true;
    if (SameHost(domain, identity, identity_ip)) return true;
  }
  // RFC 5922 section 7.2: DNS names count only when no sip/sips URI named a domain, and with
  // no wildcards, so a '*' never matches.
  if (!has_sip_uri) {
    for (const std::string& dns : names.dns) {
      if (dns.find('*') == std::string::npos && SameHost(dns, identity, identity_ip)) return true;
    }
    if (!identity_ip.empty()) {
      for (const std::string& ip : names.ip) {
        if (IpBytes(ip) == identity_ip) return true;
      }
    }
  }
  if (held != nullptr) {
    for (const std::string& uri : names.uri) Append(held, "URI:" + uri);
    for (const std::string& dns : names.dns) Append(held, "DNS:" + dns);
    for (const std::string& ip : names.ip) Append(held, "IP:" + ip);
    if (held->empty()) *held = "a subjectAltName with no URI, DNS or IP entry";
  }
  return false;
}

}  // namespace siptls
