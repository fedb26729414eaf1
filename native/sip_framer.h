// SIP stream framing (RFC 3261 §18.3): cuts a clear-text byte stream into whole SIP messages.
// Pure C++ with no OpenSSL or Node dependency, so it can be unit-tested on its own.
#ifndef SIPTLS_SIP_FRAMER_H_
#define SIPTLS_SIP_FRAMER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace siptls {

// What the framer reports to its owner while it consumes bytes.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // One complete message (start line, headers, body); its body starts at `body_offset` (after
  // the blank line that ends the header block). The bytes are valid only during the call.
  virtual void OnMessage(const char* data, size_t len, size_t body_offset) = 0;
  // A double-CRLF keep-alive ping (RFC 5626 §4.4.1); the owner answers with a single CRLF.
  virtual void OnPing() = 0;
};

// Where a partial message waits for the rest of its bytes. The owner decides where the memory
// comes from (the connection draws it from the buffer pool); the framer only asks for room.
class PartialStore {
 public:
  virtual ~PartialStore() = default;
  // Makes room for at least `capacity` bytes, keeping the first `keep` bytes. Returns the start
  // of the storage, or nullptr when no memory is available.
  virtual char* Reserve(size_t capacity, size_t keep) = 0;
  // Gives the storage back; called as soon as no partial message is pending.
  virtual void Release() = 0;
};

enum class FrameError {
  kNone = 0,
  kTooLarge,           // the message (or its header block) exceeds max_message_size
  kNoContentLength,    // RFC 3261 §18.3: Content-Length is mandatory on stream transports
  kBadContentLength,   // not a decimal number, or two different values
  kBadStartLine,       // bytes that cannot start a SIP message
  kNoMemory,           // the partial store refused
};

const char* FrameErrorText(FrameError error);

// Frames one connection's clear text. After an error the framer refuses further input; the
// owner closes the connection and logs FrameErrorText(error()).
class SipFramer {
 public:
  SipFramer(size_t max_message_size, PartialStore* store)
      : max_message_size_(max_message_size), store_(store) {}

  // Consumes `len` bytes. Calls the sink for every complete message and ping, in stream order.
  // Returns false on a framing error (see error()).
  bool Feed(const char* data, size_t len, FrameSink* sink);

  FrameError error() const { return error_; }
  // Bytes of a partial message held between reads (0 when idle).
  size_t pending() const { return pending_len_; }
  void set_max_message_size(size_t size) { max_message_size_ = size; }

 private:
  // Frames what it can from [data, data+len); returns the bytes consumed, or SIZE_MAX on error.
  size_t FrameFrom(const char* data, size_t len, FrameSink* sink);
  // Looks at one message at `data`. Returns its total size if complete, 0 if more bytes are
  // needed, SIZE_MAX on error. Updates known_total_ once the header block is complete.
  size_t MessageSize(const char* data, size_t len);
  bool Fail(FrameError error);
  bool Keep(const char* data, size_t len);

  size_t max_message_size_;
  PartialStore* store_;
  char* pending_ = nullptr;
  size_t pending_len_ = 0;
  size_t known_total_ = 0;  // total size of the pending message once its headers are parsed
  size_t known_body_ = 0;   // and where its body starts
  size_t crlf_run_ = 0;     // bytes of a "\r\n\r\n" ping seen so far between messages
  FrameError error_ = FrameError::kNone;
};

// Finds the Content-Length of a header block [headers, headers+len) that ends before the blank
// line. Handles the compact form `l`, any case, folded lines and spaces around the colon.
// Returns kNone and sets *length, or the error.
FrameError ParseContentLength(const char* headers, size_t len, uint64_t* length);

}  // namespace siptls

#endif  // SIPTLS_SIP_FRAMER_H_
