// Certificate facts (see x509_info.h), the way Kamailio's tls_select.c reads them.
#include "x509_info.h"

#include <arpa/inet.h>

#include <utility>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace siptls {

namespace {

std::string TakeBio(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string text = len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
  BIO_free(bio);
  return text;
}

std::string Utf8(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return std::string();
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return text;
}

std::string Field(const X509_NAME* name, int nid) {
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::string();
  return Utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

NameFacts DescribeName(const X509_NAME* name) {
  NameFacts facts;
  if (name == nullptr) return facts;
  char* line = X509_NAME_oneline(name, nullptr, 0);
  if (line != nullptr) {
    facts.line = line;
    OPENSSL_free(line);
  }
  facts.cn = Field(name, NID_commonName);
  facts.l = Field(name, NID_localityName);
  facts.c = Field(name, NID_countryName);
  facts.st = Field(name, NID_stateOrProvinceName);
  facts.o = Field(name, NID_organizationName);
  facts.ou = Field(name, NID_organizationalUnitName);
  facts.uid = Field(name, NID_x500UniqueIdentifier);
  return facts;
}

std::string TimeText(const ASN1_TIME* time) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return std::string();
  ASN1_TIME_print(bio, time);
  return TakeBio(bio);
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN] = {0};
  int len = ASN1_STRING_length(ip);
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  if (len == 4) inet_ntop(AF_INET, bytes, text, sizeof(text));
  else if (len == 16) inet_ntop(AF_INET6, bytes, text, sizeof(text));
  return text;
}

std::string SerialText(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return std::string();
  char* dec = BN_bn2dec(bn);
  BN_free(bn);
  if (dec == nullptr) return std::string();
  std::string text = dec;
  OPENSSL_free(dec);
  return text;
}

}  // namespace

CertificateFacts DescribeCertificate(X509* cert) {
  CertificateFacts facts;
  if (cert == nullptr) return facts;
  facts.present = true;
  facts.subject = DescribeName(X509_get_subject_name(cert));
  facts.issuer = DescribeName(X509_get_issuer_name(cert));
  SubjectAltNames alt_names = ReadSubjectAltNames(cert);
  facts.san_email = std::move(alt_names.email);
  facts.san_dns = std::move(alt_names.dns);
  facts.san_uri = std::move(alt_names.uri);
  facts.san_ip = std::move(alt_names.ip);
  facts.serial = SerialText(cert);
  facts.not_before = TimeText(X509_get0_notBefore(cert));
  facts.not_after = TimeText(X509_get0_notAfter(cert));
  facts.version = X509_get_version(cert);
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    PEM_write_bio_X509(bio, cert);
    facts.pem = TakeBio(bio);
  }
  return facts;
}

SubjectAltNames ReadSubjectAltNames(X509* cert) {
  SubjectAltNames alt_names;
  // A new stack (freed below), or null when the extension is absent: X509_get_ext_d2i(3).
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return alt_names;
  alt_names.present = true;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    switch (name->type) {
      case GEN_EMAIL: alt_names.email.push_back(Utf8(name->d.rfc822Name)); break;
      case GEN_DNS: alt_names.dns.push_back(Utf8(name->d.dNSName)); break;
      case GEN_URI: alt_names.uri.push_back(Utf8(name->d.uniformResourceIdentifier)); break;
      case GEN_IPADD: alt_names.ip.push_back(IpText(name->d.iPAddress)); break;
      default: break;
    }
  }
  GENERAL_NAMES_free(names);
  return alt_names;
}

std::string SubjectCommonName(X509* cert) { return Field(X509_get_subject_name(cert), NID_commonName); }

}  // namespace siptls
