// The memory BIO (see mem_bio.h). Callbacks per BIO_meth_new(3).
#include "mem_bio.h"

namespace siptls {

namespace {

MemBioQueues* QueuesOf(BIO* bio) { return static_cast<MemBioQueues*>(BIO_get_data(bio)); }

// Copies queued input; with none, asks OpenSSL to retry later (SSL_ERROR_WANT_READ).
int ReadEx(BIO* bio, char* out, size_t len, size_t* read) {
  BIO_clear_retry_flags(bio);
  MemBioQueues* queues = QueuesOf(bio);
  if (queues == nullptr || queues->input->Empty()) {
    BIO_set_retry_read(bio);
    *read = 0;
    return 0;
  }
  *read = queues->input->Read(reinterpret_cast<uint8_t*>(out), len);
  return 1;
}

// Appends to the output queue. Only a failed allocation refuses (a hard error, not a retry:
// retrying cannot make memory appear, and SSL_write must not spin on it).
int WriteEx(BIO* bio, const char* data, size_t len, size_t* written) {
  BIO_clear_retry_flags(bio);
  MemBioQueues* queues = QueuesOf(bio);
  *written = 0;
  if (queues == nullptr || !queues->output->Append(reinterpret_cast<const uint8_t*>(data), len)) {
    return 0;
  }
  *written = len;
  return 1;
}

int Puts(BIO* bio, const char* text) {
  size_t len = 0;
  while (text[len] != '\0') len++;
  size_t written = 0;
  return WriteEx(bio, text, len, &written) == 1 ? static_cast<int>(written) : -1;
}

long Ctrl(BIO* bio, int cmd, long, void*) {
  MemBioQueues* queues = QueuesOf(bio);
  switch (cmd) {
    case BIO_CTRL_PENDING:
      return queues != nullptr ? static_cast<long>(queues->input->Size()) : 0;
    case BIO_CTRL_WPENDING:
      return queues != nullptr ? static_cast<long>(queues->output->Size()) : 0;
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

BIO* NewMemBio(const BIO_METHOD* method, MemBioQueues* queues) {
  BIO* bio = BIO_new(method);
  if (bio == nullptr) return nullptr;
  BIO_set_data(bio, queues);
  BIO_set_init(bio, 1);
  return bio;
}

}  // namespace siptls
