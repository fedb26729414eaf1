// The memory BIO every session reads ciphertext from and writes ciphertext to.
//
// A source/sink BIO (like Kamailio's "sr_tls_mbuf") whose data pointer is the session's
// MemBioBuffers. OpenSSL never touches a socket; the owner moves the bytes. Reading with no input
// sets retry-read (SSL_ERROR_WANT_READ); writes always succeed (the output queue grows from the
// pool), so SSL_write never returns WANT_WRITE. See BIO_meth_new(3), BIO_set_retry_read(3).
#ifndef SIPTLS_MEM_BIO_H_
#define SIPTLS_MEM_BIO_H_

#include <openssl/bio.h>

#include "buffer_pool.h"

namespace siptls {

// A session's ciphertext in both directions. The queues hold what has to wait (a partial record
// from the peer, records the kernel has not taken); two windows let the transport's hot path
// skip them, so a turn's records cost no buffer block:
//   lent input    the bytes a socket read brought, read in place after the input queue. What the
//                 SSL left unread is copied into the queue by KeepLentInput(), before the lender's
//                 buffer is reused.
//   direct output a scratch buffer of the owner's: while the output queue is empty, records are
//                 written there and sent from there. SpillDirectOutput() moves what was not sent
//                 to the front of the queue.
// Output is always read in order: the direct bytes, then the queue.
class MemBioBuffers {
 public:
  explicit MemBioBuffers(BufferPool* pool) : input_(pool), output_(pool) {}
  MemBioBuffers(const MemBioBuffers&) = delete;
  MemBioBuffers& operator=(const MemBioBuffers&) = delete;

  // The BIO's side.
  size_t ReadInput(uint8_t* out, size_t cap);
  // False only when a pool block cannot be had.
  bool WriteOutput(const uint8_t* data, size_t len);

  // Input. QueueInput copies (false when out of memory); LendInput borrows `data` until
  // KeepLentInput(), which the lender must call before `data` changes (false when out of memory).
  bool QueueInput(const uint8_t* data, size_t len) { return input_.Append(data, len); }
  void LendInput(const uint8_t* data, size_t len);
  bool KeepLentInput();
  size_t InputSize() const { return input_.Size() + lent_len_; }
  // For a reader that takes whole records (tls13_records.h): copies the first `n` input bytes
  // without taking them (false if fewer are there); the first `n` bytes in place when they are
  // contiguous, else nullptr; drops the first `n` bytes.
  bool PeekInput(uint8_t* out, size_t n) const;
  const uint8_t* ContiguousInput(size_t n) const;
  void ConsumeInput(size_t n);

  // Output. UseDirectOutput lends `scratch` (`cap` bytes) until SpillDirectOutput(), which copies
  // the unsent direct bytes to the front of the queue (false when out of memory; they are kept).
  void UseDirectOutput(uint8_t* scratch, size_t cap);
  // Stops writing into the scratch: what it holds stays there to be sent, later output goes to
  // the queue. Returns the scratch bytes in use (0: the scratch is let go at once).
  size_t FreezeDirectOutput();
  bool SpillDirectOutput();
  size_t OutputSize() const { return direct_end_ - direct_start_ + output_.Size(); }
  // Views of the output in order (valid until the next call that changes it).
  size_t PeekOutput(ByteSpan* spans, size_t max_spans) const;
  void ConsumeOutput(size_t len);
  // Copies up to `cap` bytes of output into `out` and drops them; returns the count.
  size_t TakeOutput(uint8_t* out, size_t cap);

  // Drops everything and forgets the lent windows.
  void Clear();

 private:
  BlockQueue input_;
  BlockQueue output_;
  const uint8_t* lent_ = nullptr;
  size_t lent_len_ = 0;
  uint8_t* direct_ = nullptr;
  size_t direct_cap_ = 0;
  size_t direct_start_ = 0;  // sent bytes at the front of direct_
  size_t direct_end_ = 0;    // written bytes
};

// Makes the BIO_METHOD (once per environment; freed with BIO_meth_free). nullptr on failure.
BIO_METHOD* CreateMemBioMethod();

// A new BIO of `method` over `buffers` (which must outlive it). nullptr on failure.
BIO* NewMemBio(const BIO_METHOD* method, MemBioBuffers* buffers);

}  // namespace siptls

#endif  // SIPTLS_MEM_BIO_H_
