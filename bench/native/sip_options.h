// SIP OPTIONS requests the load generator sends and the framing of the responses it reads
// (RFC 3261 section 18.3: over a stream, a message ends after Content-Length body bytes).
#ifndef SIPTLS_BENCH_SIP_OPTIONS_H_
#define SIPTLS_BENCH_SIP_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace siptls {

// Appends one OPTIONS request of about 500 bytes to `out`; `sequence` makes the branch,
// Call-ID and CSeq unique per connection and request.
void AppendOptionsRequest(std::string* out, const std::string& target_host, int target_port,
                          uint32_t connection_id, uint64_t sequence);

// Result of looking for one complete response at the front of a buffer.
enum class FrameResult { kIncomplete, kResponse, kKeepAlive, kMalformed };

// Looks at `data[0..length)`. On kResponse sets *consumed to the message size and *status to
// its status code; on kKeepAlive *consumed is the CRLF run to skip (RFC 5626 section 4.4.1).
FrameResult FrameResponse(const char* data, size_t length, size_t* consumed, int* status);

}  // namespace siptls

#endif  // SIPTLS_BENCH_SIP_OPTIONS_H_
