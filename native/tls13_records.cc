// The TLS 1.3 record layer; see tls13_records.h. Section numbers are RFC 8446's.
#include "tls13_records.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/sslerr.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace siptls {

namespace {

constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr size_t kHeaderLength = 5;
// 5.2: TLSCiphertext.length is at most 2^14 + 256; TLSInnerPlaintext at most 2^14 + 1.
constexpr size_t kMaxCiphertext = 16384 + 256;
constexpr size_t kMaxInnerPlaintext = 16384 + 1;
// Handshake messages after the handshake (KeyUpdate, NewSessionTicket) are small; a peer that
// sends more than this in one message is not speaking TLS.
constexpr size_t kMaxHandshakeMessage = 64 * 1024;
constexpr uint8_t kKeyUpdate = 24;
constexpr uint8_t kNewSessionTicket = 4;

// 6: alert levels and the descriptions used here.
constexpr uint8_t kWarning = 1;
constexpr uint8_t kFatal = 2;
constexpr uint8_t kCloseNotify = 0;
constexpr uint8_t kUnexpectedMessage = 10;
constexpr uint8_t kBadRecordMac = 20;
constexpr uint8_t kRecordOverflow = 22;
constexpr uint8_t kIllegalParameter = 47;
constexpr uint8_t kDecodeError = 50;
constexpr uint8_t kUserCanceled = 90;

}  // namespace

std::unique_ptr<Tls13Records> Tls13Records::Create(std::shared_ptr<AddonData> addon,
                                                   const Tls13Suite& suite, bool client,
                                                   const uint8_t* read_secret,
                                                   const uint8_t* write_secret, size_t max_fragment,
                                                   TlsError* error) {
  std::unique_ptr<Tls13Records> records(new Tls13Records(std::move(addon), suite, client, max_fragment));
  std::memcpy(records->read_.secret, read_secret, suite.hash_len);
  std::memcpy(records->write_.secret, write_secret, suite.hash_len);
  if (records->addon_->Tls13Cipher(suite) == nullptr || records->addon_->Tls13Hkdf(suite) == nullptr ||
      !records->DeriveKeys(&records->read_) || !records->DeriveKeys(&records->write_)) {
    *error = MakeError("ERR_TLS_RECORD_KEYS", std::string("cannot derive the ") + suite.cipher_name +
                                                  " record keys from the handshake's secrets");
    return nullptr;
  }
  return records;
}

Tls13Records::~Tls13Records() {
  Hibernate();
  OPENSSL_cleanse(&read_, sizeof(read_));
  OPENSSL_cleanse(&write_, sizeof(write_));
}

void Tls13Records::Hibernate() {
  EVP_CIPHER_CTX_free(read_.context);
  EVP_CIPHER_CTX_free(write_.context);
  read_.context = write_.context = nullptr;
}

bool Tls13Records::DeriveKeys(Direction* direction) {
  // 7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length), and "iv".
  EVP_KDF_CTX* hkdf = addon_->Tls13Hkdf(*suite_);
  if (!HkdfExpandLabel(hkdf, *suite_, direction->secret, "key", direction->key, suite_->key_len) ||
      !HkdfExpandLabel(hkdf, *suite_, direction->secret, "iv", direction->iv, kTls13IvLength)) {
    return false;
  }
  direction->sequence = 0;
  // A keyed context takes the new key (its direction, -1, unchanged); IVs are set per record.
  return direction->context == nullptr ||
         EVP_CipherInit_ex2(direction->context, nullptr, direction->key, nullptr, -1, nullptr) == 1;
}

bool Tls13Records::UpdateKeys(Direction* direction) {
  // 7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
  uint8_t next[kTls13MaxHashLength];
  if (!HkdfExpandLabel(addon_->Tls13Hkdf(*suite_), *suite_, direction->secret, "traffic upd", next,
                       suite_->hash_len)) {
    return false;
  }
  std::memcpy(direction->secret, next, suite_->hash_len);
  OPENSSL_cleanse(next, sizeof(next));
  return DeriveKeys(direction);
}

EVP_CIPHER_CTX* Tls13Records::Prepare(Direction* direction, bool encrypt) {
  if (direction->context == nullptr) {
    EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
    if (context == nullptr) return nullptr;
    if (EVP_CipherInit_ex2(context, addon_->Tls13Cipher(*suite_), direction->key, nullptr,
                           encrypt ? 1 : 0, nullptr) != 1) {
      EVP_CIPHER_CTX_free(context);
      return nullptr;
    }
    direction->context = context;
  }
  // 5.3: the nonce is the IV XORed with the 64-bit record sequence number, left-padded.
  uint8_t nonce[kTls13IvLength];
  std::memcpy(nonce, direction->iv, kTls13IvLength);
  for (size_t i = 0; i < 8; i++) {
    nonce[kTls13IvLength - 1 - i] ^= static_cast<uint8_t>(direction->sequence >> (8 * i));
  }
  if (EVP_CipherInit_ex2(direction->context, nullptr, nullptr, nonce, -1, nullptr) != 1) return nullptr;
  return direction->context;
}

bool Tls13Records::WriteRecord(MemBioBuffers* io, uint8_t inner_type, const uint8_t* data,
                               size_t len, TlsError* error) {
  // 5.2: opaque_type 23, legacy_record_version 0x0303, then TLSInnerPlaintext (content, type,
  // no padding) encrypted, then the tag. The header is the additional data.
  uint8_t* record = addon_->RecordWriteBuffer();
  size_t length = len + 1 + kTls13TagLength;
  record[0] = kApplicationData;
  record[1] = 3;
  record[2] = 3;
  record[3] = static_cast<uint8_t>(length >> 8);
  record[4] = static_cast<uint8_t>(length);
  // 5.5: a sequence number must never wrap; a connection sending 2^64 records ends instead.
  if (write_.sequence == std::numeric_limits<uint64_t>::max()) {
    *error = MakeError("ERR_TLS_RECORD_SEQUENCE", "the record sequence number would wrap");
    return false;
  }
  EVP_CIPHER_CTX* context = Prepare(&write_, true);
  int body = 0;
  int type = 0;
  int final = 0;
  if (context == nullptr || EVP_EncryptUpdate(context, nullptr, &body, record, kHeaderLength) != 1 ||
      EVP_EncryptUpdate(context, record + kHeaderLength, &body, data, static_cast<int>(len)) != 1 ||
      EVP_EncryptUpdate(context, record + kHeaderLength + body, &type, &inner_type, 1) != 1 ||
      EVP_EncryptFinal_ex(context, record + kHeaderLength + body + type, &final) != 1 ||
      static_cast<size_t>(body + type + final) != len + 1 ||
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, kTls13TagLength,
                          record + kHeaderLength + len + 1) != 1) {
    *error = TakeOpenSslError("ERR_TLS_RECORD_ENCRYPT", "cannot encrypt a TLS 1.3 record");
    return false;
  }
  write_.sequence++;
  if (!io->WriteOutput(record, kHeaderLength + length)) {
    *error = MakeError("ERR_TLS_OUT_OF_MEMORY", "cannot queue ciphertext");
    return false;
  }
  return true;
}

bool Tls13Records::Write(MemBioBuffers* io, const uint8_t* data, size_t len, TlsError* error) {
  while (len > 0) {
    size_t chunk = len < max_fragment_ ? len : max_fragment_;
    if (!WriteRecord(io, kApplicationData, data, chunk, error)) return false;
    data += chunk;
    len -= chunk;
  }
  return true;
}

bool Tls13Records::SendAlert(MemBioBuffers* io, uint8_t level, uint8_t description, TlsError* error) {
  const uint8_t alert[2] = {level, description};
  return WriteRecord(io, kAlert, alert, sizeof(alert), error);
}

bool Tls13Records::SendCloseNotify(MemBioBuffers* io, TlsError* error) {
  return SendAlert(io, kWarning, kCloseNotify, error);
}

bool Tls13Records::SendKeyUpdate(MemBioBuffers* io, bool request_peer, TlsError* error) {
  // 4.6.3: KeyUpdate { request_update }, sent with the old key; ours changes right after it.
  const uint8_t message[5] = {kKeyUpdate, 0, 0, 1, static_cast<uint8_t>(request_peer ? 1 : 0)};
  if (!WriteRecord(io, kHandshake, message, sizeof(message), error)) return false;
  if (!UpdateKeys(&write_)) {
    *error = MakeError("ERR_TLS_RECORD_KEYS", "cannot derive the next write key (KeyUpdate)");
    return false;
  }
  return true;
}

Tls13Records::ReadOutcome Tls13Records::Fatal(MemBioBuffers* io, uint8_t description, int reason,
                                              TlsError* error) {
  TlsError ignored;
  SendAlert(io, kFatal, description, &ignored);
  *error = SslReasonError(reason);
  return ReadOutcome::kError;
}

bool Tls13Records::OnHandshakeData(MemBioBuffers* io, const uint8_t* data, size_t len,
                                   TlsError* error) {
  std::vector<uint8_t>* pending = handshake_.get();
  if (pending != nullptr) {
    pending->insert(pending->end(), data, data + len);
    data = pending->data();
    len = pending->size();
  }
  size_t pos = 0;
  while (len - pos >= 4) {
    uint8_t type = data[pos];
    size_t body = (size_t{data[pos + 1]} << 16) | (size_t{data[pos + 2]} << 8) | data[pos + 3];
    if (body > kMaxHandshakeMessage) {
      Fatal(io, kDecodeError, SSL_R_EXCESSIVE_MESSAGE_SIZE, error);
      return false;
    }
    if (len - pos - 4 < body) break;
    const uint8_t* message = data + pos + 4;
    pos += 4 + body;
    if (type == kNewSessionTicket && client_) continue;  // no sessions kept: dropped unread
    if (type != kKeyUpdate) {
      Fatal(io, kUnexpectedMessage, SSL_R_UNEXPECTED_MESSAGE, error);
      return false;
    }
    // 5.1: a key change must end its record; 4.6.3: request_update is 0 or 1.
    if (body != 1 || pos != len) {
      Fatal(io, body != 1 ? kDecodeError : kUnexpectedMessage, SSL_R_BAD_KEY_UPDATE, error);
      return false;
    }
    if (message[0] > 1) {
      Fatal(io, kIllegalParameter, SSL_R_BAD_KEY_UPDATE, error);
      return false;
    }
    if (!UpdateKeys(&read_)) {
      *error = MakeError("ERR_TLS_RECORD_KEYS", "cannot derive the next read key (KeyUpdate)");
      return false;
    }
    // 4.6.3: update_requested is answered with a KeyUpdate that does not ask again.
    if (message[0] == 1 && !SendKeyUpdate(io, false, error)) return false;
  }
  if (pos == len) {
    handshake_.reset();
  } else if (pending == nullptr) {
    handshake_ = std::make_unique<std::vector<uint8_t>>(data + pos, data + len);
  } else {
    pending->erase(pending->begin(), pending->begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return true;
}

size_t Tls13Records::TakeUnread(uint8_t* out, size_t out_cap) {
  size_t taken = std::min(out_cap, unread_->size());
  std::memcpy(out, unread_->data(), taken);
  if (taken == unread_->size()) {
    unread_.reset();
  } else {
    unread_->erase(unread_->begin(), unread_->begin() + static_cast<std::ptrdiff_t>(taken));
  }
  return taken;
}

Tls13Records::ReadOutcome Tls13Records::Read(MemBioBuffers* io, uint8_t* out, size_t out_cap,
                                             size_t* out_len, bool* more, TlsError* error) {
  *out_len = 0;
  *more = false;
  size_t total = unread_ ? TakeUnread(out, out_cap) : 0;
  if (unread_) {
    *out_len = total;
    *more = true;
    return ReadOutcome::kOk;
  }
  while (!peer_closed_) {
    uint8_t header[kHeaderLength];
    if (!io->PeekInput(header, kHeaderLength)) break;
    size_t length = (size_t{header[3]} << 8) | header[4];
    // 5.1, 5.2: after the handshake every record is protected (outer type application_data;
    // the legacy version is ignored).
    if (header[0] != kApplicationData) {
      *out_len = total;
      return Fatal(io, kUnexpectedMessage, SSL_R_UNEXPECTED_RECORD, error);
    }
    if (length > kMaxCiphertext) {
      *out_len = total;
      return Fatal(io, kRecordOverflow, SSL_R_ENCRYPTED_LENGTH_TOO_LONG, error);
    }
    if (length < kTls13TagLength + 1) {
      *out_len = total;
      return Fatal(io, kDecodeError, SSL_R_BAD_PACKET_LENGTH, error);
    }
    if (io->InputSize() < kHeaderLength + length) break;  // the rest is on its way
    size_t plain_length = length - kTls13TagLength;
    bool fits = out_cap - total >= plain_length;
    if (!fits && total > 0) {
      *more = true;
      break;
    }
    // A record larger than all of `out` is decrypted in place in a copy; what `out` cannot take
    // waits in unread_, as OpenSSL keeps the rest of a record for the next SSL_read.
    const uint8_t* record = fits ? io->ContiguousInput(kHeaderLength + length) : nullptr;
    uint8_t* copy = nullptr;
    if (record == nullptr) {
      copy = addon_->RecordReadBuffer();
      io->PeekInput(copy, kHeaderLength + length);
      record = copy;
    }
    const uint8_t* ciphertext = record + kHeaderLength;
    uint8_t* plain = fits ? out + total : copy + kHeaderLength;
    EVP_CIPHER_CTX* context = Prepare(&read_, false);
    int body = 0;
    int final = 0;
    bool authentic =
        context != nullptr && EVP_DecryptUpdate(context, nullptr, &body, header, kHeaderLength) == 1 &&
        EVP_DecryptUpdate(context, plain, &body, ciphertext, static_cast<int>(plain_length)) == 1 &&
        EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, kTls13TagLength,
                            const_cast<uint8_t*>(ciphertext + plain_length)) == 1 &&
        EVP_DecryptFinal_ex(context, plain + body, &final) == 1;
    io->ConsumeInput(kHeaderLength + length);
    if (!authentic) {
      ClearErrorQueue();
      *out_len = total;
      return Fatal(io, kBadRecordMac, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, error);
    }
    read_.sequence++;
    // 5.4: the content type is the last non-zero byte; zeros after it are padding.
    size_t content = plain_length;
    while (content > 0 && plain[content - 1] == 0) content--;
    if (content == 0 || plain_length > kMaxInnerPlaintext) {
      *out_len = total;
      return Fatal(io, content == 0 ? kUnexpectedMessage : kRecordOverflow,
                   content == 0 ? SSL_R_BAD_RECORD_TYPE : SSL_R_DATA_LENGTH_TOO_LONG, error);
    }
    uint8_t type = plain[--content];
    if (type == kApplicationData && !fits) {
      unread_ = std::make_unique<std::vector<uint8_t>>(plain, plain + content);
      total = TakeUnread(out, out_cap);
      if (unread_) {
        *more = true;
        break;
      }
      continue;
    }
    if (type == kApplicationData) {
      total += content;
      continue;
    }
    if (type == kAlert) {
      if (content != 2) {
        *out_len = total;
        return Fatal(io, kDecodeError, SSL_R_BAD_PACKET_LENGTH, error);
      }
      uint8_t description = plain[1];
      if (description == kCloseNotify) {
        peer_closed_ = true;
        break;
      }
      if (description == kUserCanceled) continue;  // 6.1: a close_notify follows
      *out_len = total;
      *error = SslReasonError(SSL_AD_REASON_OFFSET + description);
      return ReadOutcome::kError;
    }
    if (type == kHandshake && content > 0) {
      if (!OnHandshakeData(io, plain, content, error)) {
        *out_len = total;
        return ReadOutcome::kError;
      }
      continue;
    }
    *out_len = total;
    return Fatal(io, kUnexpectedMessage, SSL_R_UNEXPECTED_RECORD, error);
  }
  *out_len = total;
  return peer_closed_ ? ReadOutcome::kPeerClosed : ReadOutcome::kOk;
}

}  // namespace siptls
