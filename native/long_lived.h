// Memory for objects that live as long as a connection (TlsConnection, TlsSessionCore,
// Tls13Records, the connection map's nodes), kept apart from malloc's heap.
//
// A handshake makes and frees hundreds of OpenSSL allocations; a connection that stays open
// keeps a few of its own. In one heap, thousands of idle connections leave their small objects
// between the holes the handshakes' temporaries left, and every later malloc searches and
// consolidates that fragmented free list (measured: 8% more CPU per handshake with 19,000 idle
// connections held). Here such objects come from slots of fixed sizes (multiples of 16 bytes up
// to kLongLivedMaxSize) in chunks mapped for them alone; a freed slot is reused by the next
// object of its size. Larger requests go to malloc.
//
// One pool for the process, locked: objects are made and freed once per connection, not per
// record, so the lock is cheap, and an object may end on another thread (a worker's finalizer).
#ifndef SIPTLS_LONG_LIVED_H_
#define SIPTLS_LONG_LIVED_H_

#include <cstddef>

namespace siptls {

constexpr size_t kLongLivedMaxSize = 1024;

// Never nullptr: out of memory ends the process, as a failed operator new does in this addon
// (built without exceptions).
void* LongLivedAllocate(size_t size);
void LongLivedFree(void* pointer, size_t size);

// Gives a class operator new/delete from LongLivedAllocate. The class's destructor must be
// virtual if it is deleted through a base (the sized delete needs the real size).
#define SIPTLS_LONG_LIVED_OBJECT                                                            \
  static void* operator new(size_t size) { return ::siptls::LongLivedAllocate(size); }      \
  static void operator delete(void* pointer, size_t size) { ::siptls::LongLivedFree(pointer, size); }

// A standard allocator over LongLivedAllocate, for node-based containers.
template <typename T>
struct LongLivedAllocator {
  using value_type = T;
  LongLivedAllocator() = default;
  template <typename U>
  LongLivedAllocator(const LongLivedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(LongLivedAllocate(n * sizeof(T))); }
  void deallocate(T* pointer, size_t n) { LongLivedFree(pointer, n * sizeof(T)); }
  template <typename U>
  bool operator==(const LongLivedAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const LongLivedAllocator<U>&) const { return false; }
};

}  // namespace siptls

#endif  // SIPTLS_LONG_LIVED_H_
