// AddonData (see addon_data.h).
#include "addon_data.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>

#include "env_data.h"
#include "mem_bio.h"

namespace siptls {

std::shared_ptr<AddonData> AddonData::Create(const char** error_reason) {
  std::shared_ptr<AddonData> data(new AddonData());
  data->libctx_ = OSSL_LIB_CTX_new();
  if (data->libctx_ == nullptr) {
    *error_reason = "cannot create the OpenSSL library context";
    return nullptr;
  }
  // Load the default provider explicitly: a library context activates it as a fallback only
  // while no provider at all is loaded, so an HSM provider loaded first would otherwise leave
  // no ciphers. See OSSL_PROVIDER(3).
  data->default_provider_ = OSSL_PROVIDER_load(data->libctx_, "default");
  if (data->default_provider_ == nullptr) {
    *error_reason = "cannot load OpenSSL's default provider into the module's library context";
    return nullptr;
  }
  data->bio_method_ = CreateMemBioMethod();
  if (data->bio_method_ == nullptr) {
    *error_reason = "cannot create the memory BIO method";
    return nullptr;
  }
  return data;
}

EVP_CIPHER* AddonData::Tls13Cipher(const Tls13Suite& suite) {
  EVP_CIPHER*& cipher = tls13_ciphers_[suite.index];
  if (cipher == nullptr) cipher = EVP_CIPHER_fetch(libctx_, suite.cipher_name, nullptr);
  return cipher;
}

EVP_KDF_CTX* AddonData::Tls13Hkdf(const Tls13Suite& suite) {
  EVP_KDF_CTX*& context = tls13_hkdf_[suite.index];
  if (context == nullptr) context = NewTls13Hkdf(libctx_, suite);
  return context;
}

uint8_t* AddonData::RecordReadBuffer() {
  if (!record_read_buffer_) record_read_buffer_.reset(new uint8_t[kRecordBufferSize]);
  return record_read_buffer_.get();
}

uint8_t* AddonData::RecordWriteBuffer() {
  if (!record_write_buffer_) record_write_buffer_.reset(new uint8_t[kRecordBufferSize]);
  return record_write_buffer_.get();
}

AddonData::~AddonData() {
  for (EVP_CIPHER* cipher : tls13_ciphers_) EVP_CIPHER_free(cipher);
  for (EVP_KDF_CTX* context : tls13_hkdf_) EVP_KDF_CTX_free(context);
  if (bio_method_ != nullptr) BIO_meth_free(bio_method_);
  if (default_provider_ != nullptr) OSSL_PROVIDER_unload(default_provider_);
  if (libctx_ != nullptr) OSSL_LIB_CTX_free(libctx_);
}

std::shared_ptr<AddonData> AddonData::Get(Napi::Env env) {
  EnvData* data = GetEnvData(env);
  return data != nullptr ? data->addon : nullptr;
}

}  // namespace siptls
