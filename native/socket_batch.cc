// SocketBatch (see socket_batch.h).
#include "socket_batch.h"

#include <errno.h>

#include "io_uring_ring.h"

namespace siptls {

namespace {
// MSG_DONTWAIT: never block, never be polled (see socket_batch.h). MSG_NOSIGNAL: a peer that
// reset gives EPIPE, not SIGPIPE.
constexpr int kRecvFlags = MSG_DONTWAIT;
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

// Points `msg` at `iov`, filled from up to SocketBatch::kMaxSpans `spans`.
void FillMessage(msghdr* msg, iovec* iov, const ByteSpan* spans, size_t count) {
  if (count > SocketBatch::kMaxSpans) count = SocketBatch::kMaxSpans;
  for (size_t i = 0; i < count; i++) {
    iov[i].iov_base = const_cast<uint8_t*>(spans[i].data);
    iov[i].iov_len = spans[i].len;
  }
  *msg = msghdr{};
  msg->msg_iov = iov;
  msg->msg_iovlen = count;
}
}  // namespace

ssize_t SendSpans(int fd, const ByteSpan* spans, size_t count) {
  iovec iov[SocketBatch::kMaxSpans];
  msghdr msg;
  FillMessage(&msg, iov, spans, count);
  ssize_t sent = sendmsg(fd, &msg, kSendFlags);
  return sent >= 0 ? sent : -errno;
}

SocketBatch::SocketBatch(bool try_io_uring) : ops_(new Op[kMaxOps]) {
  if (try_io_uring) ring_ = IoUring::Create(kMaxOps);
}

SocketBatch::~SocketBatch() = default;

size_t SocketBatch::AddRecv(int fd, uint8_t* buf, size_t len) {
  Op& op = ops_[count_];
  op.fd = fd;
  op.send = false;
  op.buf = buf;
  op.len = len;
  op.result = -EAGAIN;
  return count_++;
}

size_t SocketBatch::AddSend(int fd, const ByteSpan* spans, size_t count) {
  Op& op = ops_[count_];
  op.fd = fd;
  op.send = true;
  FillMessage(&op.msg, op.iov, spans, count);
  op.result = -EAGAIN;
  return count_++;
}

void SocketBatch::Run() {
  if (count_ == 0) return;
  if (ring_ != nullptr) {
    RunWithIoUring();
  } else {
    RunWithSyscalls();
  }
}

void SocketBatch::RunWithSyscalls() {
  for (size_t i = 0; i < count_; i++) {
    Op& op = ops_[i];
    ssize_t result = op.send ? sendmsg(op.fd, &op.msg, kSendFlags) : recv(op.fd, op.buf, op.len, kRecvFlags);
    op.result = result >= 0 ? result : -errno;
  }
}

void SocketBatch::RunWithIoUring() {
  for (size_t i = 0; i < count_; i++) {
    Op& op = ops_[i];
    io_uring_sqe* sqe = ring_->NextSqe();
    sqe->fd = op.fd;
    sqe->user_data = i;
    if (op.send) {
      sqe->opcode = IORING_OP_SENDMSG;
      sqe->addr = reinterpret_cast<uint64_t>(&op.msg);
      sqe->len = 1;
      sqe->msg_flags = kSendFlags;
    } else {
      sqe->opcode = IORING_OP_RECV;
      sqe->addr = reinterpret_cast<uint64_t>(op.buf);
      sqe->len = static_cast<uint32_t>(op.len);
      sqe->msg_flags = kRecvFlags;
    }
    op.result = -EIO;  // until its completion says otherwise
  }
  int failure = ring_->Submit(static_cast<unsigned>(count_));
  uint64_t index;
  int32_t result;
  while (ring_->PopCompletion(&index, &result)) {
    if (index < count_) ops_[index].result = result;
  }
  // The kernel refused the ring: an op without a completion may or may not have run, so it
  // fails (-EIO closes its connection) and the next batches use plain system calls.
  if (failure != 0) ring_.reset();
}

}  // namespace siptls
