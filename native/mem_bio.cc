// The memory BIO (see mem_bio.h). Callbacks per BIO_meth_new(3).
#include "mem_bio.h"

#include <cstring>

namespace siptls {

size_t MemBioBuffers::ReadInput(uint8_t* out, size_t cap) {
  size_t copied = input_.Read(out, cap);
  if (copied < cap && lent_len_ > 0) {
    size_t n = lent_len_ < cap - copied ? lent_len_ : cap - copied;
    std::memcpy(out + copied, lent_, n);
    lent_ += n;
    lent_len_ -= n;
    copied += n;
  }
  return copied;
}

bool MemBioBuffers::PeekInput(uint8_t* out, size_t n) const {
  if (InputSize() < n) return false;
  size_t copied = input_.CopyFront(out, n);
  if (copied < n) std::memcpy(out + copied, lent_, n - copied);
  return true;
}

const uint8_t* MemBioBuffers::ContiguousInput(size_t n) const {
  if (input_.Empty()) return lent_len_ >= n ? lent_ : nullptr;
  ByteSpan head;
  return input_.Peek(&head, 1) == 1 && head.len >= n ? head.data : nullptr;
}

void MemBioBuffers::ConsumeInput(size_t n) {
  size_t queued = input_.Size() < n ? input_.Size() : n;
  input_.Consume(queued);
  n -= queued;
  if (n > lent_len_) n = lent_len_;
  lent_ += n;
  lent_len_ -= n;
}

bool MemBioBuffers::WriteOutput(const uint8_t* data, size_t len) {
  if (direct_ != nullptr && output_.Empty()) {
    if (direct_start_ == direct_end_) direct_start_ = direct_end_ = 0;
    if (direct_end_ + len <= direct_cap_) {
      std::memcpy(direct_ + direct_end_, data, len);
      direct_end_ += len;
      return true;
    }
  }
  return output_.Append(data, len);
}

void MemBioBuffers::LendInput(const uint8_t* data, size_t len) {
  lent_ = data;
  lent_len_ = len;
}

bool MemBioBuffers::KeepLentInput() {
  if (lent_len_ > 0 && !input_.Append(lent_, lent_len_)) return false;
  lent_ = nullptr;
  lent_len_ = 0;
  return true;
}

void MemBioBuffers::UseDirectOutput(uint8_t* scratch, size_t cap) {
  direct_ = scratch;
  direct_cap_ = cap;
  direct_start_ = direct_end_ = 0;
}

size_t MemBioBuffers::FreezeDirectOutput() {
  if (direct_ == nullptr) return 0;
  if (direct_end_ == direct_start_) {
    direct_ = nullptr;
    direct_cap_ = direct_start_ = direct_end_ = 0;
    return 0;
  }
  direct_cap_ = direct_end_;
  return direct_end_;
}

bool MemBioBuffers::SpillDirectOutput() {
  if (direct_ == nullptr) return true;
  if (!output_.Prepend(direct_ + direct_start_, direct_end_ - direct_start_)) return false;
  direct_ = nullptr;
  direct_cap_ = direct_start_ = direct_end_ = 0;
  return true;
}

size_t MemBioBuffers::PeekOutput(ByteSpan* spans, size_t max_spans) const {
  size_t count = 0;
  if (direct_end_ > direct_start_ && max_spans > 0) {
    spans[count++] = ByteSpan{direct_ + direct_start_, direct_end_ - direct_start_};
  }
  return count + output_.Peek(spans + count, max_spans - count);
}

void MemBioBuffers::ConsumeOutput(size_t len) {
  size_t direct = direct_end_ - direct_start_;
  size_t n = len < direct ? len : direct;
  direct_start_ += n;
  output_.Consume(len - n);
}

size_t MemBioBuffers::TakeOutput(uint8_t* out, size_t cap) {
  size_t direct = direct_end_ - direct_start_;
  size_t n = cap < direct ? cap : direct;
  if (n > 0) std::memcpy(out, direct_ + direct_start_, n);
  direct_start_ += n;
  return n + output_.Read(out + n, cap - n);
}

void MemBioBuffers::Clear() {
  input_.Clear();
  output_.Clear();
  lent_ = nullptr;
  lent_len_ = 0;
  direct_ = nullptr;
  direct_cap_ = direct_start_ = direct_end_ = 0;
}

namespace {

MemBioBuffers* BuffersOf(BIO* bio) { return static_cast<MemBioBuffers*>(BIO_get_data(bio)); }

// Copies available input; with none, asks OpenSSL to retry later (SSL_ERROR_WANT_READ).
int ReadEx(BIO* bio, char* out, size_t len, size_t* read) {
  BIO_clear_retry_flags(bio);
  MemBioBuffers* buffers = BuffersOf(bio);
  if (buffers == nullptr || buffers->InputSize() == 0) {
    BIO_set_retry_read(bio);
    *read = 0;
    return 0;
  }
  *read = buffers->ReadInput(reinterpret_cast<uint8_t*>(out), len);
  return 1;
}

// Appends to the output. Only a failed allocation refuses (a hard error, not a retry: retrying
// cannot make memory appear, and SSL_write must not spin on it).
int WriteEx(BIO* bio, const char* data, size_t len, size_t* written) {
  BIO_clear_retry_flags(bio);
  MemBioBuffers* buffers = BuffersOf(bio);
  *written = 0;
  if (buffers == nullptr || !buffers->WriteOutput(reinterpret_cast<const uint8_t*>(data), len)) {
    return 0;
  }
  *written = len;
  return 1;
}

int Puts(BIO* bio, const char* text) {
  size_t written = 0;
  return WriteEx(bio, text, std::strlen(text), &written) == 1 ? static_cast<int>(written) : -1;
}

long Ctrl(BIO* bio, int cmd, long, void*) {
  MemBioBuffers* buffers = BuffersOf(bio);
  switch (cmd) {
    case BIO_CTRL_PENDING:
      return buffers != nullptr ? static_cast<long>(buffers->InputSize()) : 0;
    case BIO_CTRL_WPENDING:
      return buffers != nullptr ? static_cast<long>(buffers->OutputSize()) : 0;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      return 0;
  }
}

int Create(BIO* bio) {
  BIO_set_data(bio, nullptr);
  BIO_set_init(bio, 0);
  return 1;
}

int Destroy(BIO* bio) {
  if (bio == nullptr) return 0;
  BIO_set_data(bio, nullptr);
  BIO_set_init(bio, 0);
  return 1;
}

}  // namespace

BIO_METHOD* CreateMemBioMethod() {
  BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sip-tls mem");
  if (method == nullptr) return nullptr;
  if (BIO_meth_set_read_ex(method, ReadEx) != 1 || BIO_meth_set_write_ex(method, WriteEx) != 1 ||
      BIO_meth_set_puts(method, Puts) != 1 || BIO_meth_set_ctrl(method, Ctrl) != 1 ||
      BIO_meth_set_create(method, Create) != 1 || BIO_meth_set_destroy(method, Destroy) != 1) {
    BIO_meth_free(method);
    return nullptr;
  }
  return method;
}

BIO* NewMemBio(const BIO_METHOD* method, MemBioBuffers* buffers) {
  BIO* bio = BIO_new(method);
  if (bio == nullptr) return nullptr;
  BIO_set_data(bio, buffers);
  BIO_set_init(bio, 1);
  return bio;
}

}  // namespace siptls
