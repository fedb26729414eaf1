// State the addon keeps per Node environment (main thread or worker), never in globals.
//
// AddonData owns the module's own OpenSSL library context, the memory-BIO method and the buffer
// pool. It is shared (std::shared_ptr) by every SecureContext and session of the environment, so
// it outlives all of them even when the environment tears down and finalizers run late.
#ifndef SIPTLS_ADDON_DATA_H_
#define SIPTLS_ADDON_DATA_H_

#include <memory>

#include <napi.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/types.h>

#include "buffer_pool.h"
#include "engine_keys.h"
#include "tls13_suites.h"

namespace siptls {

class AddonData {
 public:
  // Creates the library context (with OpenSSL's default provider loaded), the BIO method and the
  // pool. Returns nullptr (and sets `*error_reason`) if OpenSSL cannot make them.
  static std::shared_ptr<AddonData> Create(const char** error_reason);
  ~AddonData();
  AddonData(const AddonData&) = delete;
  AddonData& operator=(const AddonData&) = delete;

  // The environment's AddonData (set at module init). Never null after init.
  static std::shared_ptr<AddonData> Get(Napi::Env env);

  // The module's own OpenSSL library context. Every SSL_CTX is made in it
  // (SSL_CTX_new_ex(LibCtx(), NULL, TLS_method())), and provider/`rand_engine` work acts on it
  // only, so Node's own crypto (crypto.randomBytes, node:tls) is never affected.
  // See OSSL_LIB_CTX(3).
  OSSL_LIB_CTX* LibCtx() const { return libctx_; }

  // The memory BIO method (see mem_bio.h); made once per environment.
  const BIO_METHOD* MemBioMethod() const { return bio_method_; }

  // The environment's buffer pool (blocks for BIO queues and write queues).
  BufferPool& Pool() { return pool_; }

  // The buffer TlsSessionCore::WriteV packs small messages in, one record's worth (16 KiB, RFC
  // 8446 section 5.1). One per environment: a session call never runs inside another.
  static constexpr size_t kRecordStageSize = 16384;
  uint8_t* RecordStage() { return record_stage_.get(); }

  // What the TLS 1.3 record layer (tls13_records.h) needs, fetched from LibCtx() on first use
  // (a failed fetch is tried again next time): a suite's cipher, and an HKDF context in
  // expand-only mode with the suite's hash set (nullptr if the library context lacks them); one
  // record's buffers for ciphertext read and written (a session call never runs inside another,
  // so neither do two derivations).
  EVP_CIPHER* Tls13Cipher(const Tls13Suite& suite);
  EVP_KDF_CTX* Tls13Hkdf(const Tls13Suite& suite);
  static constexpr size_t kRecordBufferSize = 5 + 16384 + 256;  // RFC 8446 section 5.2
  uint8_t* RecordReadBuffer();
  uint8_t* RecordWriteBuffer();

  // The engine the `engine` parameter loaded for `/engine:` keys (see engine_keys.h), or null.
  const EngineKeys* Engine() const { return engine_.get(); }
  void SetEngine(std::unique_ptr<EngineKeys> engine) { engine_ = std::move(engine); }

 private:
  AddonData() = default;

  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_provider_ = nullptr;
  BIO_METHOD* bio_method_ = nullptr;
  BufferPool pool_;
  std::unique_ptr<uint8_t[]> record_stage_{new uint8_t[kRecordStageSize]};
  EVP_CIPHER* tls13_ciphers_[kTls13SuiteCount] = {};
  EVP_KDF_CTX* tls13_hkdf_[kTls13SuiteCount] = {};
  std::unique_ptr<uint8_t[]> record_read_buffer_;
  std::unique_ptr<uint8_t[]> record_write_buffer_;
  std::unique_ptr<EngineKeys> engine_;
};

}  // namespace siptls

#endif  // SIPTLS_ADDON_DATA_H_
