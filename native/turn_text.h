// TurnText: the clear text JS sends to established connections during one loop turn, back to
// back in one buffer until the turn's flush encrypts it (IoLoop::FlushDirty). A turn's responses
// to many connections then cost one growing buffer instead of a pool block per connection, and
// a connection's messages of the turn still go out packed into as few records as possible.
//
// Each connection keeps the first and last segment of its own list (1-based indices, 0 = none).
// The lists are valid until Clear(), which the loop calls once every connection of the turn has
// taken its text.
#ifndef SIPTLS_TURN_TEXT_H_
#define SIPTLS_TURN_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "buffer_pool.h"

namespace siptls {

struct TurnTextList {
  uint32_t head = 0;
  uint32_t tail = 0;
  size_t bytes = 0;
  bool Empty() const { return head == 0; }
};

class TurnText {
 public:
  // Copies `len` bytes to the end of `list`. False when the turn's text would pass 4 GiB.
  bool Append(TurnTextList* list, const uint8_t* data, size_t len);
  // Views of up to `max_spans` segments from the front of `list`, which loses them. The views
  // stay valid until the next Append() or Clear().
  size_t Take(TurnTextList* list, ByteSpan* spans, size_t max_spans) const;
  // Forgets every list; keeps the buffers unless a burst made them large.
  void Clear();
  size_t Bytes() const { return bytes_.size(); }

 private:
  struct Segment {
    uint32_t offset;
    uint32_t length;
    uint32_t next;  // the list's next segment, 1-based; 0 = the last
  };
  std::vector<uint8_t> bytes_;
  std::vector<Segment> segments_;
};

}  // namespace siptls

#endif  // SIPTLS_TURN_TEXT_H_
