// OpenSSL version guard helpers (see openssl_version.h).
#include "openssl_version.h"

namespace siptls {

bool SameOpenSslSeries(unsigned long built, unsigned long running) {
  unsigned long built_major = built >> 28;
  if (built_major != running >> 28) return false;
  if (built_major >= 3) return (built >> 20) == (running >> 20);
  return (built >> 12) == (running >> 12);
}

std::string OpenSslVersionText(unsigned long number) {
  unsigned long major = number >> 28;
  unsigned long minor = (number >> 20) & 0xff;
  if (major >= 3) {
    unsigned long patch = (number >> 4) & 0xff;
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
  unsigned long fix = (number >> 12) & 0xff;
  unsigned long letter = (number >> 4) & 0xff;
  std::string text = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(fix);
  if (letter > 0 && letter <= 26) text += static_cast<char>('a' + letter - 1);
  return text;
}

}  // namespace siptls
