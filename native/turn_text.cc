// TurnText (see turn_text.h).
#include "turn_text.h"

#include <limits>

namespace siptls {

namespace {
// A burst may grow the buffers; past this they are given back at Clear().
constexpr size_t kKeepBytes = 1024 * 1024;
constexpr size_t kKeepSegments = 16 * 1024;
}  // namespace

bool TurnText::Append(TurnTextList* list, const uint8_t* data, size_t len) {
  if (len > std::numeric_limits<uint32_t>::max() - bytes_.size()) return false;
  segments_.push_back(Segment{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(len), 0});
  bytes_.insert(bytes_.end(), data, data + len);
  uint32_t index = static_cast<uint32_t>(segments_.size());
  if (list->tail != 0) segments_[list->tail - 1].next = index; else list->head = index;
  list->tail = index;
  list->bytes += len;
  return true;
}

size_t TurnText::Take(TurnTextList* list, ByteSpan* spans, size_t max_spans) const {
  size_t count = 0;
  while (list->head != 0 && count < max_spans) {
    const Segment& segment = segments_[list->head - 1];
    spans[count++] = ByteSpan{bytes_.data() + segment.offset, segment.length};
    list->bytes -= segment.length;
    list->head = segment.next;
  }
  if (list->head == 0) list->tail = 0;
  return count;
}

void TurnText::Clear() {
  bytes_.clear();
  segments_.clear();
  if (bytes_.capacity() > kKeepBytes) std::vector<uint8_t>().swap(bytes_);
  if (segments_.capacity() > kKeepSegments) std::vector<Segment>().swap(segments_);
}

}  // namespace siptls
