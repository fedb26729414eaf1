// UnixDgramSocket: socket(AF_UNIX, SOCK_DGRAM) watched with a uv_poll_t on Node's loop.
#include "unix_dgram.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace siptls {

namespace {

// Fills a sockaddr_un from a path. @return the address length, or -ENAMETOOLONG.
int MakeAddress(const std::string& path, sockaddr_un* addr) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return -ENAMETOOLONG;
  memcpy(addr->sun_path, path.data(), path.size());
  return static_cast<int>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

}  // namespace

void UnixDgramSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "UnixDgramSocket", {
      InstanceMethod("bind", &UnixDgramSocket::Bind),
      InstanceMethod("send", &UnixDgramSocket::Send),
      InstanceMethod("close", &UnixDgramSocket::Close),
  });
  exports.Set("UnixDgramSocket", cls);
}

UnixDgramSocket::UnixDgramSocket(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<UnixDgramSocket>(info),
      async_context_(info.Env(), "UnixDgramSocket") {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "UnixDgramSocket needs an onMessage function").ThrowAsJavaScriptException();
    return;
  }
  on_message_ = Napi::Persistent(info[0].As<Napi::Function>());
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    Napi::Error::New(env, std::string("socket(AF_UNIX, SOCK_DGRAM): ") + strerror(errno))
        .ThrowAsJavaScriptException();
    return;
  }
}

UnixDgramSocket::~UnixDgramSocket() { Shutdown(); }

// bind(path): binds and starts reading. @return 0, or a negative errno (EADDRINUSE, EACCES, …).
Napi::Value UnixDgramSocket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "bind(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (fd_ < 0 || poll_ != nullptr) {
    Napi::Error::New(env, "UnixDgramSocket is closed or already bound").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  sockaddr_un addr;
  int len = MakeAddress(info[0].As<Napi::String>().Utf8Value(), &addr);
  if (len < 0) return Napi::Number::New(env, len);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) return Napi::Number::New(env, -errno);

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    return Napi::Number::New(env, rc);
  }
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE, OnPoll);
  // An open, polled socket must outlive the JS handles to it: release in Shutdown().
  Ref();
  return Napi::Number::New(env, 0);
}

// send(data: Buffer, path: string): one datagram, never blocking.
// @return 0, or a negative errno (EAGAIN when the peer's queue is full, EMSGSIZE, ENOENT, …).
Napi::Value UnixDgramSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsString()) {
    Napi::TypeError::New(env, "send(data: Buffer, path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (fd_ < 0) {
    Napi::Error::New(env, "UnixDgramSocket is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<char> data = info[0].As<Napi::Buffer<char>>();
  sockaddr_un addr;
  int len = MakeAddress(info[1].As<Napi::String>().Utf8Value(), &addr);
  if (len < 0) return Napi::Number::New(env, len);
  ssize_t n = sendto(fd_, data.Data(), data.Length(), MSG_DONTWAIT,
                     reinterpret_cast<sockaddr*>(&addr), len);
  return Napi::Number::New(env, n < 0 ? -errno : 0);
}

Napi::Value UnixDgramSocket::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

// Stops polling, closes the descriptor and drops the self-reference. Safe to call twice.
void UnixDgramSocket::Shutdown() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    // The handle's memory must live until libuv's close callback has run.
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
    Unref();
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

void UnixDgramSocket::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<UnixDgramSocket*>(handle->data);
  if (status < 0 || !(events & UV_READABLE)) return;
  self->DrainReadable();
}

// Reads every queued datagram and hands each to onMessage(data, fromPath).
// The callback may close the socket; the loop checks fd_ after each call.
void UnixDgramSocket::DrainReadable() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Object self = Value();  // keeps this wrapper alive while JS runs below
  if (read_buffer_.empty()) read_buffer_.resize(kMaxDatagram);
  while (fd_ >= 0) {
    sockaddr_un from;
    socklen_t from_len = sizeof(from);
    memset(&from, 0, sizeof(from));
    ssize_t n = recvfrom(fd_, read_buffer_.data(), read_buffer_.size(), MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;  // EAGAIN: drained; other errors: nothing to deliver
    size_t path_len = from_len > offsetof(sockaddr_un, sun_path)
                          ? strnlen(from.sun_path, from_len - offsetof(sockaddr_un, sun_path))
                          : 0;
    Napi::Buffer<char> data = Napi::Buffer<char>::Copy(env, read_buffer_.data(), n);
    Napi::String from_path = Napi::String::New(env, from.sun_path, path_len);
    on_message_.MakeCallback(self, {data, from_path}, async_context_);
    if (env.IsExceptionPending()) {
      // An exception thrown by onMessage becomes an ordinary uncaught exception.
      napi_fatal_exception(env, env.GetAndClearPendingException().Value());
      return;
    }
  }
}

}  // namespace siptls
