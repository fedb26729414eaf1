// A unix-domain datagram socket on Node's libuv loop (libuv and node:dgram have none), for the
// RPC transport Kamailio's jsonrpcs serves and kamcli talks to.
#ifndef SIPTLS_UNIX_DGRAM_H_
#define SIPTLS_UNIX_DGRAM_H_

#include <napi.h>
#include <uv.h>

#include <vector>

namespace siptls {

// JS: new UnixDgramSocket(onMessage(data: Buffer, from: string)).
// bind(path) / send(data, path) return 0 or a negative errno (expected outcomes, never thrown);
// close() is idempotent. While open, the object keeps itself alive and the loop running.
class UnixDgramSocket : public Napi::ObjectWrap<UnixDgramSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit UnixDgramSocket(const Napi::CallbackInfo& info);
  ~UnixDgramSocket() override;

 private:
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void DrainReadable();
  void Shutdown();

  static constexpr size_t kMaxDatagram = 65536;

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_message_;
  Napi::AsyncContext async_context_;
  std::vector<char> read_buffer_;
};

}  // namespace siptls

#endif  // SIPTLS_UNIX_DGRAM_H_
