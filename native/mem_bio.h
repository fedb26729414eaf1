// The memory BIO every session reads ciphertext from and writes ciphertext to.
//
// A source/sink BIO (like Kamailio's "sr_tls_mbuf") whose data pointer is a MemBioQueues: the
// session's input and output BlockQueues. OpenSSL never touches a socket; the owner moves the
// bytes. Reading an empty input sets retry-read (SSL_ERROR_WANT_READ); writes always succeed
// (the output queue grows from the pool), so SSL_write never returns WANT_WRITE.
// See BIO_meth_new(3), BIO_set_retry_read(3).
#ifndef SIPTLS_MEM_BIO_H_
#define SIPTLS_MEM_BIO_H_

#include <openssl/bio.h>

#include "buffer_pool.h"

namespace siptls {

struct MemBioQueues {
  BlockQueue* input;
  BlockQueue* output;
};

// Makes the BIO_METHOD (once per environment; freed with BIO_meth_free). nullptr on failure.
BIO_METHOD* CreateMemBioMethod();

// A new BIO of `method` over `queues` (which must outlive it). nullptr on failure.
BIO* NewMemBio(const BIO_METHOD* method, MemBioQueues* queues);

}  // namespace siptls

#endif  // SIPTLS_MEM_BIO_H_
