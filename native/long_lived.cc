// Long-lived object memory; see long_lived.h.
#include "long_lived.h"

#include <sys/mman.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace siptls {

namespace {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = kLongLivedMaxSize / kGranule;
constexpr size_t kChunkSize = 256 * 1024;

// Out of memory ends the process (see long_lived.h).
void* MallocOrAbort(size_t size) {
  void* memory = std::malloc(size);
  if (memory == nullptr) {
    std::fputs("sip-tls: out of memory\n", stderr);
    std::abort();
  }
  return memory;
}

struct FreeSlot {
  FreeSlot* next;
};

// The process's slots: a free list per size class, and the chunk being carved. Chunks are never
// unmapped: freed slots wait for the next connections (of any environment), and no object can
// outlive the memory it is in, whatever order threads and environments end in.
class SlotPools {
 public:
  void* Allocate(size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t index = ClassOf(size);
    if (FreeSlot* slot = free_[index]) {
      free_[index] = slot->next;
      return slot;
    }
    size_t slot_size = (index + 1) * kGranule;
    if (carve_ == nullptr || carve_end_ - carve_ < static_cast<ptrdiff_t>(slot_size)) {
      // No chunk could be mapped: the slot comes from malloc, and joins its class's free list
      // when freed like any other (it is of the class's size).
      if (!NewChunk()) return MallocOrAbort(slot_size);
    }
    void* slot = carve_;
    carve_ += slot_size;
    return slot;
  }

  void Free(void* pointer, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto* slot = static_cast<FreeSlot*>(pointer);
    size_t index = ClassOf(size);
    slot->next = free_[index];
    free_[index] = slot;
  }

 private:
  static size_t ClassOf(size_t size) { return size == 0 ? 0 : (size - 1) / kGranule; }

  bool NewChunk() {
    void* memory = mmap(nullptr, kChunkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    carve_ = static_cast<char*>(memory);
    carve_end_ = carve_ + kChunkSize;
    return true;
  }

  std::mutex mutex_;
  FreeSlot* free_[kClasses] = {};
  char* carve_ = nullptr;
  char* carve_end_ = nullptr;
};

SlotPools& Pools() {
  static SlotPools* pools = new SlotPools();  // never destroyed: see SlotPools
  return *pools;
}

}  // namespace

// Under AddressSanitizer every object comes from malloc, which it watches (a reused slot would
// hide a use after free).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUseSlots = false;
#else
constexpr bool kUseSlots = true;
#endif

void* LongLivedAllocate(size_t size) {
  if (!kUseSlots || size > kLongLivedMaxSize) return MallocOrAbort(size);
  return Pools().Allocate(size);
}

void LongLivedFree(void* pointer, size_t size) {
  if (pointer == nullptr) return;
  if (!kUseSlots || size > kLongLivedMaxSize) {
    std::free(pointer);
    return;
  }
  Pools().Free(pointer, size);
}

}  // namespace siptls
