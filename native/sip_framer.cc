// SIP stream framing; see sip_framer.h.
#include "sip_framer.h"

#include <cstring>
#include <limits>

namespace siptls {

namespace {

constexpr size_t kFail = std::numeric_limits<size_t>::max();
constexpr char kPing[] = "\r\n\r\n";
// Content-Length values above this are certainly too large; it keeps the arithmetic in range.
constexpr uint64_t kContentLengthCap = uint64_t{1} << 40;

bool IsFoldWhitespace(char c) { return c == ' ' || c == '\t'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool NameEquals(const char* name, size_t len, const char* lower_name) {
  size_t i = 0;
  for (; i < len && lower_name[i] != '\0'; i++) {
    if (Lower(name[i]) != lower_name[i]) return false;
  }
  return i == len && lower_name[i] == '\0';
}

// End of the line starting at `from` (index of its '\r'), or `len` if the block ends first.
// memchr finds the candidates: it scans many bytes per instruction, a byte loop does not.
size_t LineEnd(const char* text, size_t from, size_t len) {
  size_t i = from;
  while (i + 1 < len) {
    const char* cr = static_cast<const char*>(memchr(text + i, '\r', len - 1 - i));
    if (cr == nullptr) return len;
    i = static_cast<size_t>(cr - text);
    if (text[i + 1] == '\n') return i;
    i++;
  }
  return len;
}

// One pass over a message's header block in text[0, len): its end (the index of the first
// "\r\n\r\n", or `len` if there is none) and the header lines that may be Content-Length (those
// that follow a CRLF and start with "co", or with "l" and then a colon or blank, in any case), so
// that ParseContentLength reads only those. Looks for the '\n' of each line: lines are tens of
// bytes, and memchr is faster than memmem's general search for a 4-byte needle.
struct HeaderScan {
  static constexpr size_t kMaxCandidates = 8;
  size_t end;
  size_t candidates[kMaxCandidates];
  size_t count = 0;
  bool overflow = false;  // more candidate lines than kept: read every line
};

void ScanHeaderBlock(const char* text, size_t len, HeaderScan* scan) {
  size_t i = 1;
  while (i + 2 < len) {
    const char* lf = static_cast<const char*>(memchr(text + i, '\n', len - 2 - i));
    if (lf == nullptr) break;
    i = static_cast<size_t>(lf - text);
    if (text[i - 1] == '\r') {
      if (text[i + 1] == '\r' && text[i + 2] == '\n') {
        scan->end = i - 1;
        return;
      }
      char first = Lower(text[i + 1]);
      char second = Lower(text[i + 2]);
      if ((first == 'c' && second == 'o') ||
          (first == 'l' && (second == ':' || IsFoldWhitespace(second)))) {
        if (scan->count < HeaderScan::kMaxCandidates) {
          scan->candidates[scan->count++] = i + 1;
        } else {
          scan->overflow = true;
        }
      }
    }
    i++;
  }
  scan->end = len;
}

// Parses the value of one logical (possibly folded) header: digits between optional
// whitespace, where the folding CRLFs count as whitespace.
FrameError ParseLengthValue(const char* value, size_t len, uint64_t* out) {
  size_t i = 0;
  auto skip_space = [&]() {
    while (i < len && (IsFoldWhitespace(value[i]) || value[i] == '\r' || value[i] == '\n')) i++;
  };
  skip_space();
  uint64_t number = 0;
  size_t digits = 0;
  while (i < len && value[i] >= '0' && value[i] <= '9') {
    if (number < kContentLengthCap) number = number * 10 + static_cast<uint64_t>(value[i] - '0');
    i++;
    digits++;
  }
  skip_space();
  if (digits == 0 || i != len) return FrameError::kBadContentLength;
  *out = number;
  return FrameError::kNone;
}

}  // namespace

const char* FrameErrorText(FrameError error) {
  switch (error) {
    case FrameError::kNone: return "no error";
    case FrameError::kTooLarge: return "message larger than max_message_size";
    case FrameError::kNoContentLength: return "message without Content-Length (RFC 3261 18.3)";
    case FrameError::kBadContentLength: return "invalid Content-Length";
    case FrameError::kBadStartLine: return "bytes that do not start a SIP message";
    case FrameError::kNoMemory: return "no memory for a partial message";
  }
  return "unknown framing error";
}

namespace {

// Reads the header line at `start` (with its folded continuation lines); when it is a
// Content-Length (or `l`), checks its value against one seen before. Returns the index after the
// line (its CRLF), or `len`.
size_t ReadHeaderLine(const char* headers, size_t len, size_t start, bool* found, uint64_t* value,
                      FrameError* error) {
  size_t end = LineEnd(headers, start, len);
  // Folded continuation lines (RFC 3261 §7.3.1) belong to this header.
  while (end + 2 < len && IsFoldWhitespace(headers[end + 2])) end = LineEnd(headers, end + 2, len);
  size_t next = end + 2 > len ? len : end + 2;
  const char* colon = static_cast<const char*>(memchr(headers + start, ':', end - start));
  if (colon == nullptr) return next;
  size_t name_len = static_cast<size_t>(colon - (headers + start));
  while (name_len > 0 && IsFoldWhitespace(headers[start + name_len - 1])) name_len--;
  const char* name = headers + start;
  if (!NameEquals(name, name_len, "content-length") && !NameEquals(name, name_len, "l")) return next;
  uint64_t this_value = 0;
  const char* value_start = colon + 1;
  *error = ParseLengthValue(value_start, static_cast<size_t>(headers + end - value_start), &this_value);
  if (*error == FrameError::kNone && *found && this_value != *value) {
    *error = FrameError::kBadContentLength;
  }
  *found = true;
  *value = this_value;
  return next;
}

FrameError ContentLengthResult(bool found, uint64_t value, uint64_t* length) {
  if (!found) return FrameError::kNoContentLength;
  *length = value;
  return FrameError::kNone;
}

// ParseContentLength over the candidate lines of a ScanHeaderBlock().
FrameError ParseScannedContentLength(const char* headers, const HeaderScan& scan, uint64_t* length) {
  if (scan.overflow) return ParseContentLength(headers, scan.end, length);
  bool found = false;
  uint64_t value = 0;
  FrameError error = FrameError::kNone;
  for (size_t i = 0; i < scan.count && error == FrameError::kNone; i++) {
    ReadHeaderLine(headers, scan.end, scan.candidates[i], &found, &value, &error);
  }
  return error != FrameError::kNone ? error : ContentLengthResult(found, value, length);
}

}  // namespace

FrameError ParseContentLength(const char* headers, size_t len, uint64_t* length) {
  bool found = false;
  uint64_t value = 0;
  FrameError error = FrameError::kNone;
  // The first line is the start line; headers follow it.
  size_t pos = LineEnd(headers, 0, len);
  pos = pos + 2 > len ? len : pos + 2;
  while (pos < len && error == FrameError::kNone) {
    pos = ReadHeaderLine(headers, len, pos, &found, &value, &error);
  }
  return error != FrameError::kNone ? error : ContentLengthResult(found, value, length);
}

bool SipFramer::Fail(FrameError error) {
  error_ = error;
  if (pending_ != nullptr) store_->Release();
  pending_ = nullptr;
  pending_len_ = 0;
  known_total_ = 0;
  return false;
}

bool SipFramer::Keep(const char* data, size_t len) {
  size_t capacity = pending_len_ + len;
  if (known_total_ > capacity) capacity = known_total_;
  char* storage = store_->Reserve(capacity, pending_len_);
  if (storage == nullptr) return Fail(FrameError::kNoMemory);
  pending_ = storage;
  memcpy(pending_ + pending_len_, data, len);
  pending_len_ += len;
  return true;
}

size_t SipFramer::MessageSize(const char* data, size_t len) {
  known_total_ = 0;
  char first = data[0];
  if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) {
    Fail(FrameError::kBadStartLine);
    return kFail;
  }
  size_t search = len < max_message_size_ + 4 ? len : max_message_size_ + 4;
  HeaderScan scan;
  ScanHeaderBlock(data, search, &scan);
  size_t header_len = scan.end;
  if (header_len == search) {
    if (len > max_message_size_) {
      Fail(FrameError::kTooLarge);
      return kFail;
    }
    return 0;
  }
  uint64_t body_len = 0;
  FrameError error = ParseScannedContentLength(data, scan, &body_len);
  if (error != FrameError::kNone) {
    Fail(error);
    return kFail;
  }
  uint64_t total = header_len + 4 + body_len;
  if (total > max_message_size_) {
    Fail(FrameError::kTooLarge);
    return kFail;
  }
  known_total_ = static_cast<size_t>(total);
  known_body_ = header_len + 4;
  return len >= known_total_ ? known_total_ : 0;
}

size_t SipFramer::FrameFrom(const char* data, size_t len, FrameSink* sink) {
  size_t pos = 0;
  while (pos < len) {
    char c = data[pos];
    if (c == '\r' || c == '\n') {
      // Keep-alive bytes between messages: "\r\n\r\n" is a ping, a lone CRLF a pong (ignored).
      // The run is tracked across reads, so a ping split over two records is still answered.
      if (c == kPing[crlf_run_]) {
        pos++;
        if (++crlf_run_ == 4) {
          crlf_run_ = 0;
          sink->OnPing();
        }
        continue;
      }
      crlf_run_ = 0;
      pos++;
      continue;
    }
    crlf_run_ = 0;
    size_t size = MessageSize(data + pos, len - pos);
    if (size == kFail) return kFail;
    if (size == 0) break;
    sink->OnMessage(data + pos, size, known_body_);
    pos += size;
    known_total_ = 0;
  }
  return pos;
}

bool SipFramer::Feed(const char* data, size_t len, FrameSink* sink) {
  if (error_ != FrameError::kNone) return false;
  if (pending_len_ > 0 && known_total_ > 0) {
    // The header block is known: copy just what completes the message, then frame in place.
    size_t need = known_total_ - pending_len_;
    size_t take = len < need ? len : need;
    if (!Keep(data, take)) return false;
    if (pending_len_ < known_total_) return true;
    sink->OnMessage(pending_, pending_len_, known_body_);
    store_->Release();
    pending_ = nullptr;
    pending_len_ = 0;
    known_total_ = 0;
    data += take;
    len -= take;
  } else if (pending_len_ > 0) {
    // Headers still incomplete: join the bytes; look again only if the blank line may have
    // arrived, so a peer trickling a long header costs linear, not quadratic, time.
    size_t before = pending_len_;
    if (!Keep(data, len)) return false;
    size_t from = before >= 3 ? before - 3 : 0;
    HeaderScan scan;
    ScanHeaderBlock(pending_ + from, pending_len_ - from, &scan);
    if (scan.end == pending_len_ - from) {
      return pending_len_ > max_message_size_ ? Fail(FrameError::kTooLarge) : true;
    }
    size_t consumed = FrameFrom(pending_, pending_len_, sink);
    if (consumed == kFail) return false;
    pending_len_ -= consumed;
    if (pending_len_ == 0) {
      store_->Release();
      pending_ = nullptr;
    } else if (consumed > 0) {
      memmove(pending_, pending_ + consumed, pending_len_);
    }
    return true;
  }
  size_t consumed = FrameFrom(data, len, sink);
  if (consumed == kFail) return false;
  if (consumed < len) return Keep(data + consumed, len - consumed);
  return true;
}

}  // namespace siptls
