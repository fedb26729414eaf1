// IoUring (see io_uring_ring.h). The memory ordering follows io_uring(7): the kernel reads the
// SQ tail we publish with a release store and we read the CQ tail it publishes with an acquire
// load.
#include "io_uring_ring.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace siptls {

namespace {

int SetupRing(unsigned entries, io_uring_params* params) {
  return static_cast<int>(syscall(__NR_io_uring_setup, entries, params));
}

int EnterRing(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
  return static_cast<int>(syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, nullptr, 0));
}

void* MapRing(int fd, size_t size, off_t offset) {
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  return memory == MAP_FAILED ? nullptr : memory;
}

// Whether a receive with MSG_DONTWAIT on an empty socket completes inside io_uring_enter with
// -EAGAIN. Kernels that instead arm a poll for it would leave SocketBatch waiting.
bool CompletesDontWaitInline(IoUring* ring) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) return false;
  // Static: a receive the kernel left pending (it armed a poll) may outlive this call; closing
  // pair[1] then ends it at EOF, and the caller throws the ring away.
  static char byte;
  io_uring_sqe* sqe = ring->NextSqe();
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = pair[0];
  sqe->addr = reinterpret_cast<uint64_t>(&byte);
  sqe->len = 1;
  sqe->msg_flags = MSG_DONTWAIT;
  bool inline_eagain = false;
  if (ring->Submit(0) == 0) {
    uint64_t user_data;
    int32_t result;
    inline_eagain = ring->PopCompletion(&user_data, &result) && result == -EAGAIN;
  }
  close(pair[0]);
  close(pair[1]);
  return inline_eagain;
}

}  // namespace

std::unique_ptr<IoUring> IoUring::Create(unsigned entries) {
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  int fd = SetupRing(entries, &params);
  if (fd < 0) return nullptr;
  std::unique_ptr<IoUring> ring(new IoUring());
  ring->fd_ = fd;
  if (!ring->Map(params) || !CompletesDontWaitInline(ring.get())) return nullptr;
  return ring;
}

bool IoUring::Map(const io_uring_params& params) {
  size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
  size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
  bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
  ring_size_ = single && cq_size > sq_size ? cq_size : sq_size;
  ring_ = MapRing(fd_, ring_size_, IORING_OFF_SQ_RING);
  if (ring_ == nullptr) return false;
  if (single) {
    cq_ring_ = ring_;
  } else {
    cq_ring_size_ = cq_size;
    cq_ring_ = MapRing(fd_, cq_ring_size_, IORING_OFF_CQ_RING);
    if (cq_ring_ == nullptr) return false;
  }
  sqes_size_ = params.sq_entries * sizeof(io_uring_sqe);
  sqes_ = static_cast<io_uring_sqe*>(MapRing(fd_, sqes_size_, IORING_OFF_SQES));
  if (sqes_ == nullptr) return false;
  char* sq = static_cast<char*>(ring_);
  char* cq = static_cast<char*>(cq_ring_);
  sq_head_ = reinterpret_cast<unsigned*>(sq + params.sq_off.head);
  sq_tail_ = reinterpret_cast<unsigned*>(sq + params.sq_off.tail);
  sq_mask_ = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_mask);
  sq_entries_ = params.sq_entries;
  sq_array_ = reinterpret_cast<unsigned*>(sq + params.sq_off.array);
  cq_head_ = reinterpret_cast<unsigned*>(cq + params.cq_off.head);
  cq_tail_ = reinterpret_cast<unsigned*>(cq + params.cq_off.tail);
  cq_mask_ = *reinterpret_cast<unsigned*>(cq + params.cq_off.ring_mask);
  cqes_ = reinterpret_cast<io_uring_cqe*>(cq + params.cq_off.cqes);
  return true;
}

IoUring::~IoUring() {
  if (sqes_ != nullptr) munmap(sqes_, sqes_size_);
  if (cq_ring_ != nullptr && cq_ring_ != ring_) munmap(cq_ring_, cq_ring_size_);
  if (ring_ != nullptr) munmap(ring_, ring_size_);
  if (fd_ >= 0) close(fd_);
}

io_uring_sqe* IoUring::NextSqe() {
  unsigned head = __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE);
  unsigned tail = *sq_tail_ + queued_;
  if (tail - head >= sq_entries_) return nullptr;
  unsigned index = tail & sq_mask_;
  io_uring_sqe* sqe = &sqes_[index];
  std::memset(sqe, 0, sizeof(*sqe));
  sq_array_[index] = index;
  queued_++;
  return sqe;
}

int IoUring::Submit(unsigned wait_for) {
  unsigned to_submit = queued_;
  __atomic_store_n(sq_tail_, *sq_tail_ + queued_, __ATOMIC_RELEASE);
  queued_ = 0;
  unsigned flags = wait_for > 0 ? IORING_ENTER_GETEVENTS : 0;
  for (;;) {
    int result = EnterRing(fd_, to_submit, wait_for, flags);
    if (result >= 0) {
      if (static_cast<unsigned>(result) >= to_submit) return 0;
      if (result == 0) return -EAGAIN;
      to_submit -= static_cast<unsigned>(result);  // the kernel took only part: submit the rest
      continue;
    }
    // A signal during the wait: the SQEs it took are in; wait again for the completions.
    if (errno == EINTR) continue;
    return -errno;
  }
}

bool IoUring::PopCompletion(uint64_t* user_data, int32_t* result) {
  unsigned head = *cq_head_;
  if (head == __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE)) return false;
  const io_uring_cqe& cqe = cqes_[head & cq_mask_];
  *user_data = cqe.user_data;
  *result = cqe.res;
  __atomic_store_n(cq_head_, head + 1, __ATOMIC_RELEASE);
  return true;
}

}  // namespace siptls
