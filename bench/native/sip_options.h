// SIP OPTIONS requests the load generator sends and the framing of the responses it reads
// (RFC 3261 section 18.3: over a stream, a message ends after Content-Length body bytes).
#ifndef SIPTLS_BENCH_SIP_OPTIONS_H_
#define SIPTLS_BENCH_SIP_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace siptls {

// The OPTIONS requests (about 500 bytes) of one connection: formatted once, then only the
// fixed-width sequence fields (Via branch, Call-ID, CSeq) are rewritten per request, so the
// load generator spends its CPU on TLS and sockets, not on printf.
class OptionsRequestTemplate {
 public:
  OptionsRequestTemplate(const std::string& target_host, int target_port, uint32_t connection_id);

  // Appends the request numbered `sequence` (below 10^10) to `out`.
  void AppendTo(std::string* out, uint64_t sequence) const;

 private:
  std::string text_;
  size_t branch_at_ = 0;
  size_t call_id_at_ = 0;
  size_t cseq_at_ = 0;
};

// Result of looking for one complete response at the front of a buffer.
enum class FrameResult { kIncomplete, kResponse, kKeepAlive, kMalformed };

// Looks at `data[0..length)`. On kResponse sets *consumed to the message size and *status to
// its status code; on kKeepAlive *consumed is the CRLF run to skip (RFC 5626 section 4.4.1).
FrameResult FrameResponse(const char* data, size_t length, size_t* consumed, int* status);

}  // namespace siptls

#endif  // SIPTLS_BENCH_SIP_OPTIONS_H_
