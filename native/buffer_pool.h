// Fixed-size byte blocks with a capped freelist, and a FIFO byte queue built on them.
//
// Every ciphertext and clear-text queue of the addon (the memory BIO's input and output, a
// session's clear text waiting for the handshake, the transport's write queues) draws its
// blocks from the one BufferPool of its environment, so an idle connection holds no buffer at
// all and a burst reuses blocks instead of calling malloc per record. The freelist length is
// capped by the Kamailio parameter `ssl_freelist_max_len` (0 = every block is freed at once).
//
// Not thread-safe: a pool and its queues belong to one JS thread (one Node environment).
#ifndef SIPTLS_BUFFER_POOL_H_
#define SIPTLS_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>

namespace siptls {

// One block: a header followed by `capacity` bytes. Bytes [start, end) hold data.
struct BufferBlock {
  BufferBlock* next = nullptr;
  uint32_t capacity = 0;
  uint32_t start = 0;
  uint32_t end = 0;

  uint8_t* Data() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* Data() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  size_t Size() const { return end - start; }
  size_t Room() const { return capacity - end; }
};

// Counters for tests, tls.info-style reporting and the benchmark.
struct BufferPoolStats {
  size_t block_size = 0;
  size_t in_use = 0;        // blocks handed out and not yet released
  size_t free = 0;          // blocks on the freelist
  size_t max_free = 0;      // the freelist cap
  size_t allocated = 0;     // blocks ever malloc'ed
  size_t released = 0;      // blocks ever returned to malloc
};

class BufferPool {
 public:
  // One TLS record (16 KiB plain text) plus its header, MAC/tag and padding fits one block.
  static constexpr size_t kDefaultBlockSize = 16384 + 1024;

  explicit BufferPool(size_t block_size = kDefaultBlockSize, size_t max_free = 0);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Returns an empty block of BlockSize() bytes (from the freelist when it has one), or
  // nullptr when malloc fails. The caller owns it until Release().
  BufferBlock* Acquire();
  // Takes a block back: onto the freelist while it is shorter than MaxFree(), else free().
  void Release(BufferBlock* block);

  // `ssl_freelist_max_len`: how many free blocks are kept; shrinking frees the surplus now.
  void SetMaxFree(size_t max_free);
  size_t MaxFree() const { return max_free_; }
  size_t BlockSize() const { return block_size_; }
  BufferPoolStats Stats() const;

 private:
  size_t block_size_;
  size_t max_free_;
  BufferBlock* free_head_ = nullptr;
  size_t free_count_ = 0;
  size_t in_use_ = 0;
  size_t allocated_ = 0;
  size_t released_ = 0;
};

// A read-only view of contiguous queued bytes (for writev-style zero-copy sends).
struct ByteSpan {
  const uint8_t* data;
  size_t len;
};

// A FIFO of bytes stored in pool blocks. Appends fill the last block before taking a new one;
// consumed blocks go back to the pool at once. The pool must outlive the queue.
class BlockQueue {
 public:
  explicit BlockQueue(BufferPool* pool) : pool_(pool) {}
  ~BlockQueue() { Clear(); }
  BlockQueue(const BlockQueue&) = delete;
  BlockQueue& operator=(const BlockQueue&) = delete;

  // Copies `len` bytes to the tail. Returns false (queue unchanged) when a block cannot be had.
  bool Append(const uint8_t* data, size_t len);
  // Copies `len` bytes to the head, before what is queued. Returns false (queue unchanged) when
  // a block cannot be had.
  bool Prepend(const uint8_t* data, size_t len);
  // Copies up to `cap` bytes from the head into `out` and drops them. Returns the count.
  size_t Read(uint8_t* out, size_t cap);
  // Fills up to `max_spans` views of the head without consuming. Returns how many were filled.
  // The views stay valid until the next Consume/Read/Clear.
  size_t Peek(ByteSpan* spans, size_t max_spans) const;
  // Copies up to `n` bytes from the head into `out` without dropping them. Returns the count.
  size_t CopyFront(uint8_t* out, size_t n) const;
  // Drops `len` bytes from the head (at most Size()).
  void Consume(size_t len);
  // Returns every block to the pool.
  void Clear();

  size_t Size() const { return size_; }
  bool Empty() const { return size_ == 0; }
  size_t BlockCount() const { return blocks_; }

 private:
  BufferPool* pool_;
  BufferBlock* head_ = nullptr;
  BufferBlock* tail_ = nullptr;
  size_t size_ = 0;
  size_t blocks_ = 0;
};

}  // namespace siptls

#endif  // SIPTLS_BUFFER_POOL_H_
