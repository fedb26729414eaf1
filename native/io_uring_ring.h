// IoUring: the smallest io_uring that SocketBatch needs, over the raw system calls
// (io_uring_setup(2), io_uring_enter(2)): a submission queue of SQEs and a completion queue of
// CQEs, both shared with the kernel by mmap(2). Node's libuv keeps its own rings; this one is
// the transport's and is used only from its loop thread.
#ifndef SIPTLS_IO_URING_RING_H_
#define SIPTLS_IO_URING_RING_H_

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace siptls {

class IoUring {
 public:
  // A ring of `entries` SQEs, or nullptr when the kernel refuses io_uring or does not complete a
  // MSG_DONTWAIT receive inline (what SocketBatch relies on: no op may stay pending).
  static std::unique_ptr<IoUring> Create(unsigned entries);
  ~IoUring();
  IoUring(const IoUring&) = delete;
  IoUring& operator=(const IoUring&) = delete;

  // A zeroed SQE to fill, queued for the next Submit(); nullptr when the queue is full.
  io_uring_sqe* NextSqe();
  // Submits the queued SQEs and waits for `wait_for` completions (0: do not wait). Returns 0 or
  // -errno.
  int Submit(unsigned wait_for);
  // The next completion, if any.
  bool PopCompletion(uint64_t* user_data, int32_t* result);

 private:
  IoUring() = default;
  bool Map(const io_uring_params& params);

  int fd_ = -1;
  void* ring_ = nullptr;   // SQ and CQ rings (one mapping with IORING_FEAT_SINGLE_MMAP)
  size_t ring_size_ = 0;
  void* cq_ring_ = nullptr;
  size_t cq_ring_size_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqes_size_ = 0;
  unsigned* sq_head_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned sq_entries_ = 0;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned queued_ = 0;    // SQEs filled since the last Submit()
};

}  // namespace siptls

#endif  // SIPTLS_IO_URING_RING_H_
