// BufferPool and BlockQueue (see buffer_pool.h).
#include "buffer_pool.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace siptls {

BufferPool::BufferPool(size_t block_size, size_t max_free)
    : block_size_(block_size), max_free_(max_free) {}

BufferPool::~BufferPool() {
  while (free_head_ != nullptr) {
    BufferBlock* block = free_head_;
    free_head_ = block->next;
    std::free(block);
  }
}

BufferBlock* BufferPool::Acquire() {
  BufferBlock* block = free_head_;
  if (block != nullptr) {
    free_head_ = block->next;
    free_count_--;
  } else {
    void* memory = std::malloc(sizeof(BufferBlock) + block_size_);
    if (memory == nullptr) return nullptr;
    block = new (memory) BufferBlock();
    block->capacity = static_cast<uint32_t>(block_size_);
    allocated_++;
  }
  block->next = nullptr;
  block->start = 0;
  block->end = 0;
  in_use_++;
  return block;
}

void BufferPool::Release(BufferBlock* block) {
  in_use_--;
  if (free_count_ < max_free_) {
    block->next = free_head_;
    free_head_ = block;
    free_count_++;
    return;
  }
  std::free(block);
  released_++;
}

void BufferPool::SetMaxFree(size_t max_free) {
  max_free_ = max_free;
  while (free_count_ > max_free_) {
    BufferBlock* block = free_head_;
    free_head_ = block->next;
    free_count_--;
    std::free(block);
    released_++;
  }
}

BufferPoolStats BufferPool::Stats() const {
  BufferPoolStats stats;
  stats.block_size = block_size_;
  stats.in_use = in_use_;
  stats.free = free_count_;
  stats.max_free = max_free_;
  stats.allocated = allocated_;
  stats.released = released_;
  return stats;
}

bool BlockQueue::Append(const uint8_t* data, size_t len) {
  // Take every block needed first, so a failed allocation leaves the queue as it was.
  size_t room = tail_ != nullptr ? tail_->Room() : 0;
  BufferBlock* fresh_head = nullptr;
  BufferBlock* fresh_tail = nullptr;
  size_t fresh_count = 0;
  while (room < len) {
    BufferBlock* block = pool_->Acquire();
    if (block == nullptr) {
      while (fresh_head != nullptr) {
        BufferBlock* next = fresh_head->next;
        pool_->Release(fresh_head);
        fresh_head = next;
      }
      return false;
    }
    if (fresh_tail != nullptr) fresh_tail->next = block; else fresh_head = block;
    fresh_tail = block;
    fresh_count++;
    room += block->capacity;
  }
  // Fill from the old tail while it has room, then the fresh blocks.
  BufferBlock* block = tail_ != nullptr && tail_->Room() > 0 ? tail_ : fresh_head;
  if (fresh_head != nullptr) {
    if (tail_ != nullptr) tail_->next = fresh_head; else head_ = fresh_head;
    tail_ = fresh_tail;
    blocks_ += fresh_count;
  }
  size_t left = len;
  while (left > 0) {
    size_t n = block->Room() < left ? block->Room() : left;
    std::memcpy(block->Data() + block->end, data, n);
    block->end += static_cast<uint32_t>(n);
    data += n;
    left -= n;
    block = block->next;
  }
  size_ += len;
  return true;
}

bool BlockQueue::Prepend(const uint8_t* data, size_t len) {
  if (len == 0) return true;
  BlockQueue front(pool_);
  if (!front.Append(data, len)) return false;
  front.tail_->next = head_;
  if (tail_ == nullptr) tail_ = front.tail_;
  head_ = front.head_;
  size_ += front.size_;
  blocks_ += front.blocks_;
  front.head_ = front.tail_ = nullptr;
  front.size_ = front.blocks_ = 0;
  return true;
}

size_t BlockQueue::Read(uint8_t* out, size_t cap) {
  size_t copied = 0;
  while (copied < cap && head_ != nullptr) {
    size_t available = head_->Size();
    size_t n = available < cap - copied ? available : cap - copied;
    std::memcpy(out + copied, head_->Data() + head_->start, n);
    copied += n;
    Consume(n);
  }
  return copied;
}

size_t BlockQueue::Peek(ByteSpan* spans, size_t max_spans) const {
  size_t count = 0;
  for (BufferBlock* block = head_; block != nullptr && count < max_spans; block = block->next) {
    if (block->Size() == 0) continue;
    spans[count].data = block->Data() + block->start;
    spans[count].len = block->Size();
    count++;
  }
  return count;
}

size_t BlockQueue::CopyFront(uint8_t* out, size_t n) const {
  size_t copied = 0;
  for (BufferBlock* block = head_; block != nullptr && copied < n; block = block->next) {
    size_t take = block->Size() < n - copied ? block->Size() : n - copied;
    std::memcpy(out + copied, block->Data() + block->start, take);
    copied += take;
  }
  return copied;
}

void BlockQueue::Consume(size_t len) {
  if (len > size_) len = size_;
  size_ -= len;
  // Every queued block holds at least one byte, and a block is released as soon as it is
  // emptied, so an idle queue holds no memory.
  while (head_ != nullptr) {
    size_t available = head_->Size();
    if (len < available) {
      head_->start += static_cast<uint32_t>(len);
      return;
    }
    len -= available;
    BufferBlock* next = head_->next;
    pool_->Release(head_);
    blocks_--;
    head_ = next;
    if (head_ == nullptr) tail_ = nullptr;
    if (len == 0) return;
  }
}

void BlockQueue::Clear() {
  while (head_ != nullptr) {
    BufferBlock* next = head_->next;
    pool_->Release(head_);
    head_ = next;
  }
  tail_ = nullptr;
  size_ = 0;
  blocks_ = 0;
}

}  // namespace siptls
