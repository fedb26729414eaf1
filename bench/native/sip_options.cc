#include "sip_options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>

namespace siptls {

namespace {
constexpr char kSequenceMark[] = "SSSSSSSSSS";  // 10 characters, replaced per request
constexpr size_t kSequenceWidth = sizeof(kSequenceMark) - 1;

void WriteDecimal(char* at, uint64_t value) {
  for (size_t i = kSequenceWidth; i-- > 0;) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}
}  // namespace

OptionsRequestTemplate::OptionsRequestTemplate(const std::string& target_host, int target_port,
                                               uint32_t connection_id) {
  char message[768];
  int length = snprintf(
      message, sizeof(message),
      "OPTIONS sip:bench@%s:%d;transport=tls SIP/2.0\r\n"
      "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-%08x-%s;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:loadgen@bench.invalid>;tag=%08x\r\n"
      "To: <sip:bench@%s:%d>\r\n"
      "Call-ID: %08x-%s@bench.invalid\r\n"
      "CSeq: %s OPTIONS\r\n"
      "Contact: <sip:loadgen@127.0.0.1:5061;transport=tls>\r\n"
      "Accept: application/sdp\r\n"
      "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, NOTIFY\r\n"
      "Supported: outbound, path, gruu\r\n"
      "User-Agent: sip-tls-bench/1\r\n"
      "Content-Length: 0\r\n\r\n",
      target_host.c_str(), target_port, connection_id, kSequenceMark, connection_id, target_host.c_str(),
      target_port, connection_id, kSequenceMark, kSequenceMark);
  text_.assign(message, length > 0 ? static_cast<size_t>(length) : 0);
  branch_at_ = text_.find(kSequenceMark);
  call_id_at_ = text_.find(kSequenceMark, branch_at_ + kSequenceWidth);
  cseq_at_ = text_.find(kSequenceMark, call_id_at_ + kSequenceWidth);
}

void OptionsRequestTemplate::AppendTo(std::string* out, uint64_t sequence) const {
  size_t at = out->size();
  out->append(text_);
  char* base = &(*out)[at];
  WriteDecimal(base + branch_at_, sequence);
  WriteDecimal(base + call_id_at_, sequence);
  WriteDecimal(base + cseq_at_, sequence);
}

namespace {

// Content-Length of a header block, or -1 when absent or malformed. Accepts the compact form "l".
long ContentLengthOf(const char* headers, size_t length) {
  const char* end = headers + length;
  const char* line = headers;
  while (line < end) {
    const char* eol = static_cast<const char*>(memchr(line, '\n', static_cast<size_t>(end - line)));
    if (eol == nullptr) eol = end;
    const char* colon = static_cast<const char*>(memchr(line, ':', static_cast<size_t>(eol - line)));
    if (colon != nullptr) {
      const char* name_end = colon;
      while (name_end > line && (name_end[-1] == ' ' || name_end[-1] == '\t')) name_end--;
      size_t name_length = static_cast<size_t>(name_end - line);
      bool is_length = (name_length == 14 && strncasecmp(line, "Content-Length", 14) == 0) ||
                       (name_length == 1 && (line[0] == 'l' || line[0] == 'L'));
      if (is_length) {
        char* parsed_end = nullptr;
        long value = strtol(colon + 1, &parsed_end, 10);
        return parsed_end == colon + 1 || value < 0 ? -1 : value;
      }
    }
    line = eol + 1;
  }
  return -1;
}

}  // namespace

FrameResult FrameResponse(const char* data, size_t length, size_t* consumed, int* status) {
  size_t crlf = 0;
  while (crlf + 1 < length && data[crlf] == '\r' && data[crlf + 1] == '\n') crlf += 2;
  if (crlf > 0) {
    *consumed = crlf;
    return FrameResult::kKeepAlive;
  }
  if (length < 12) return FrameResult::kIncomplete;
  const char* head_end = static_cast<const char*>(memmem(data, length, "\r\n\r\n", 4));
  if (head_end == nullptr) return length > 65536 ? FrameResult::kMalformed : FrameResult::kIncomplete;
  if (memcmp(data, "SIP/2.0 ", 8) != 0) return FrameResult::kMalformed;
  size_t head_length = static_cast<size_t>(head_end - data) + 4;
  long body = ContentLengthOf(data, head_length);
  if (body < 0) return FrameResult::kMalformed;
  if (length < head_length + static_cast<size_t>(body)) return FrameResult::kIncomplete;
  *consumed = head_length + static_cast<size_t>(body);
  *status = atoi(data + 8);
  return FrameResult::kResponse;
}

}  // namespace siptls
