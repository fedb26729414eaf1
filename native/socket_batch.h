// SocketBatch: the socket reads or writes of one loop turn, handed to the kernel together.
//
// On a busy SIP edge the byte path's main cost is not TLS but system calls: every connection
// with a message costs a read and a write each turn, and on a virtual machine a system call
// costs about a microsecond before it does any work. With io_uring the ops of a batch go to the
// kernel in one io_uring_enter(2) and complete inside it: each carries MSG_DONTWAIT, so a socket
// that would block answers -EAGAIN at once instead of being polled (io_uring_enter(2),
// IORING_OP_RECV / IORING_OP_SENDMSG). Without io_uring (an old kernel, a seccomp filter that
// refuses it, kernel.io_uring_disabled, or a transport started with SIP_TLS_IO_URING=0) each op
// is its own recv(2) or sendmsg(2) with the same flags, so the results are the same either way.
// The load generator always asks for io_uring.
//
// Not thread-safe: one batch per IoLoop.
#ifndef SIPTLS_SOCKET_BATCH_H_
#define SIPTLS_SOCKET_BATCH_H_

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "buffer_pool.h"

namespace siptls {

class IoUring;

// One sendmsg(2) of up to SocketBatch::kMaxSpans `spans` now, with the batch's flags (a close's
// last records, a writable socket's queue). Returns the bytes the kernel took, or -errno.
ssize_t SendSpans(int fd, const ByteSpan* spans, size_t count);

class SocketBatch {
 public:
  static constexpr size_t kMaxOps = 128;
  static constexpr size_t kMaxSpans = 16;

  // `try_io_uring`: use io_uring when the kernel offers it (checked once, here).
  explicit SocketBatch(bool try_io_uring);
  ~SocketBatch();
  SocketBatch(const SocketBatch&) = delete;
  SocketBatch& operator=(const SocketBatch&) = delete;

  bool UsesIoUring() const { return ring_ != nullptr; }
  size_t Size() const { return count_; }
  bool Full() const { return count_ == kMaxOps; }

  // Queue one op (the batch must not be Full()); returns its index. The buffers must stay valid
  // until Run() returns; the spans are copied.
  size_t AddRecv(int fd, uint8_t* buf, size_t len);
  size_t AddSend(int fd, const ByteSpan* spans, size_t count);
  // Performs every queued op. Then Result(i) is the bytes moved or -errno (-EAGAIN: the socket
  // would block; nothing was moved).
  void Run();
  ssize_t Result(size_t index) const { return ops_[index].result; }
  void Clear() { count_ = 0; }

 private:
  struct Op {
    int fd;
    bool send;
    uint8_t* buf;   // recv
    size_t len;     // recv
    msghdr msg;     // send
    iovec iov[kMaxSpans];
    ssize_t result;
  };
  void RunWithSyscalls();
  void RunWithIoUring();

  std::unique_ptr<IoUring> ring_;
  std::unique_ptr<Op[]> ops_;
  size_t count_ = 0;
};

}  // namespace siptls

#endif  // SIPTLS_SOCKET_BATCH_H_
