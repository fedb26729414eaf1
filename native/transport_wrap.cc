// `Transport` (src/native.ts): the JS face of one IoLoop. TS checks argument types and values
// (src/tls-module.ts); here only what would break memory safety is checked.
#include <napi.h>
#include <sys/epoll.h>
#include <uv.h>
#include <cerrno>
#include <cstring>

#include <string>
#include <memory>
#include <vector>

#include "env_data.h"
#include "io_address.h"
#include "io_loop.h"
#include "secure_context_wrap.h"
#include "tls_connection.h"
#include "tls_listener.h"
#include "transport_init.h"

namespace siptls {

namespace {

// A burst of large string sends may grow the text buffer; past this it is given back.
constexpr size_t kKeepSendTextCapacity = 64 * 1024;

const char* StateName(ConnState state) {
  switch (state) {
    case ConnState::kConnecting: return "connecting";
    case ConnState::kHandshake: return "handshake";
    case ConnState::kProfileWait: return "profile";
    case ConnState::kSniWait: return "sni";
    case ConnState::kEstablished: return "established";
    case ConnState::kClosing: return "closing";
  }
  return "unknown";
}

Napi::Object ErrorObject(Napi::Env env, const TlsError& error) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", error.code);
  o.Set("message", error.Message());
  return o;
}

void SetIfNumber(const Napi::Object& o, const char* key, int64_t* out) {
  Napi::Value value = o.Get(key);
  if (value.IsNumber()) *out = value.As<Napi::Number>().Int64Value();
}

void SetIfSize(const Napi::Object& o, const char* key, size_t* out) {
  Napi::Value value = o.Get(key);
  if (value.IsNumber()) {
    int64_t number = value.As<Napi::Number>().Int64Value();
    *out = number < 0 ? 0 : static_cast<size_t>(number);
  }
}

// What a send needs, shared by a Transport object and its own `send` function (see the
// constructor): the loop (null once shut down: the IoLoop clears it) and the UTF-8 of the string
// being sent, reused from send to send.
struct SendPath {
  IoLoop* loop = nullptr;
  std::unique_ptr<char[]> text;
  size_t text_size = 0;
};

class TransportWrap : public Napi::ObjectWrap<TransportWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Transport",
        {InstanceMethod<&TransportWrap::SetLimits>("setLimits"),
         InstanceMethod<&TransportWrap::Listen>("listen"),
         InstanceMethod<&TransportWrap::SetListenerContext>("setListenerContext"),
         InstanceMethod<&TransportWrap::CloseListener>("closeListener"),
         InstanceMethod<&TransportWrap::Connect>("connect"),
         InstanceMethod<&TransportWrap::Resume>("resume"),
         InstanceMethod<&TransportWrap::Release>("release"),
         InstanceMethod<&TransportWrap::Drop>("drop"),
         InstanceMethod<&TransportWrap::Close>("close"),
         InstanceMethod<&TransportWrap::List>("list"),
         InstanceMethod<&TransportWrap::Stats>("stats"),
         InstanceMethod<&TransportWrap::Shutdown>("shutdown")});
  }

  // new Transport(onEvents: (events, bytes, index) => void)
  explicit TransportWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TransportWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      Napi::TypeError::New(env, "Transport: onEvents must be a function").ThrowAsJavaScriptException();
      return;
    }
    // Made here, where a failure (EMFILE) can still throw: the loop's handles watch it from birth.
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
      Napi::Error::New(env, std::string("Transport: epoll_create1: ") + std::strerror(errno))
          .ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* uv_loop = nullptr;
    napi_get_uv_event_loop(env, &uv_loop);
    path_->loop = new IoLoop(env, uv_loop, GetEnvData(env)->addon, info[0].As<Napi::Function>(), &path_->loop,
                             epoll_fd);
    // `send`, called once per message, is a function of this object's own rather than a
    // prototype method, which would look the wrapped object up on every call (napi_unwrap: a
    // hidden-property read, about a fifth of a send). It holds the path, not this object, so it
    // stays safe if it outlives it.
    auto* data = new std::shared_ptr<SendPath>(path_);
    Napi::Function send = Napi::Function::New(env, SendOnPath, "send", data);
    napi_add_finalizer(
        env, send, data,
        [](napi_env, void* held, void*) { delete static_cast<std::shared_ptr<SendPath>*>(held); },
        nullptr, nullptr);
    info.This().As<Napi::Object>().Set("send", send);
  }

  // Collected while still open: close everything (the loop deletes itself when libuv is done).
  ~TransportWrap() override { ShutdownLoop(); }

 private:
  // IoLoop::Shutdown() clears path_->loop (the loop was told where it is).
  void ShutdownLoop() {
    if (path_->loop != nullptr) path_->loop->Shutdown();
  }

  // False (with a JS exception) once the transport is shut down.
  static bool Alive(Napi::Env env, const SendPath& path) {
    if (path.loop != nullptr) return true;
    Napi::Error::New(env, "Transport is shut down").ThrowAsJavaScriptException();
    return false;
  }
  bool Alive(Napi::Env env) { return Alive(env, *path_); }

  std::shared_ptr<SecureContext> ContextArg(Napi::Env env, Napi::Value value) {
    std::shared_ptr<SecureContext> context = SecureContextWrap::FromValue(env, value);
    if (!context) Napi::TypeError::New(env, "expected a SecureContext").ThrowAsJavaScriptException();
    return context;
  }

  // The open connection whose id is the first argument, else nullptr.
  static TlsConnection* ConnectionArg(const SendPath& path, const Napi::CallbackInfo& info) {
    if (!info[0].IsNumber()) return nullptr;
    return path.loop->FindConnection(info[0].As<Napi::Number>().Uint32Value());
  }
  TlsConnection* ConnectionArg(const Napi::CallbackInfo& info) { return ConnectionArg(*path_, info); }

  // setLimits({ maxConnections, idleTimeoutMs, … }): any subset; see io_limits.h.
  Napi::Value SetLimits(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    if (!info[0].IsObject()) {
      Napi::TypeError::New(env, "setLimits: expected an object").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object o = info[0].As<Napi::Object>();
    IoLimits& l = path_->loop->Limits();
    SetIfNumber(o, "maxConnections", &l.max_connections);
    SetIfNumber(o, "idleTimeoutMs", &l.idle_timeout_ms);
    SetIfNumber(o, "connectTimeoutMs", &l.connect_timeout_ms);
    SetIfNumber(o, "sendTimeoutMs", &l.send_timeout_ms);
    SetIfSize(o, "conCtWqMax", &l.con_ct_wq_max);
    SetIfSize(o, "ctWqMax", &l.ct_wq_max);
    SetIfSize(o, "ctWqBlkSize", &l.ct_wq_blk_size);
    SetIfSize(o, "conWqMax", &l.con_wq_max);
    SetIfSize(o, "maxMessageSize", &l.max_message_size);
    SetIfSize(o, "memoryBudget", &l.memory_budget);
    SetIfSize(o, "lowMemThreshold1", &l.low_mem_threshold1);
    SetIfSize(o, "lowMemThreshold2", &l.low_mem_threshold2);
    Napi::Value close_notify = o.Get("sendCloseNotify");
    if (close_notify.IsBoolean()) l.send_close_notify = close_notify.As<Napi::Boolean>().Value();
    Napi::Value own_records = o.Get("ownRecords");
    if (own_records.IsBoolean()) l.own_records = own_records.As<Napi::Boolean>().Value();
    return env.Undefined();
  }

  // listen(ip, port, context, generation, pauseOnSni, backlog) -> { id, ip, port } | { error }
  Napi::Value Listen(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    std::shared_ptr<SecureContext> context = ContextArg(env, info[2]);
    if (!context) return env.Undefined();
    TlsError error;
    TlsListener* listener = TlsListener::Create(
        path_->loop, info[0].ToString().Utf8Value(), info[1].ToNumber().Uint32Value(),
        info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 1024, std::move(context),
        info[3].ToNumber().Uint32Value(), info[4].ToBoolean().Value(), &error);
    Napi::Object result = Napi::Object::New(env);
    if (listener == nullptr) {
      result.Set("error", ErrorObject(env, error));
      return result;
    }
    std::string ip;
    uint32_t port = 0;
    listener->Address(&ip, &port);
    result.Set("id", listener->Id());
    result.Set("ip", ip);
    result.Set("port", port);
    return result;
  }

  // setListenerContext(id, context, generation, pauseOnSni) -> boolean
  Napi::Value SetListenerContext(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    std::shared_ptr<SecureContext> context = ContextArg(env, info[1]);
    if (!context) return env.Undefined();
    TlsListener* listener = path_->loop->FindListener(info[0].ToNumber().Uint32Value());
    if (listener == nullptr) return Napi::Boolean::New(env, false);
    listener->SetContext(std::move(context), info[2].ToNumber().Uint32Value(), info[3].ToBoolean().Value());
    return Napi::Boolean::New(env, true);
  }

  Napi::Value CloseListener(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    TlsListener* listener = path_->loop->FindListener(info[0].ToNumber().Uint32Value());
    if (listener != nullptr) listener->Close();
    return Napi::Boolean::New(env, listener != nullptr);
  }

  // connect(ip, port, context, generation, serverName, hold, identity) -> { id } | { error }
  // identity: the SIP domain the server certificate must name ("" or absent: no check).
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    std::shared_ptr<SecureContext> context = ContextArg(env, info[2]);
    if (!context) return env.Undefined();
    Napi::Object result = Napi::Object::New(env);
    TlsError error;
    sockaddr_storage addr{};
    if (ParseAddress(info[0].ToString().Utf8Value(), info[1].ToNumber().Uint32Value(), &addr) != 0) {
      error = MakeError("ERR_TLS_INVALID_ADDRESS", "not an IP address and port: " + info[0].ToString().Utf8Value());
      result.Set("error", ErrorObject(env, error));
      return result;
    }
    if (path_->loop->BelowThreshold1()) {
      error = MakeError("ERR_TLS_LOW_MEMORY", "not enough memory for a new connection (low_mem_threshold1)");
      result.Set("error", ErrorObject(env, error));
      return result;
    }
    TlsConnection* connection = TlsConnection::Connect(
        path_->loop, reinterpret_cast<const sockaddr*>(&addr), std::move(context), info[3].ToNumber().Uint32Value(),
        info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : std::string(),
        info[6].IsString() ? info[6].As<Napi::String>().Utf8Value() : std::string(), info[5].ToBoolean().Value(),
        &error);
    if (connection == nullptr) {
      result.Set("error", ErrorObject(env, error));
      return result;
    }
    result.Set("id", connection->Id());
    return result;
  }

  // resume(id, context | null) -> undefined | { error }: after an 'sni' event.
  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    TlsConnection* connection = ConnectionArg(info);
    if (connection == nullptr) return env.Undefined();
    std::shared_ptr<SecureContext> context;
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
      context = ContextArg(env, info[1]);
      if (!context) return env.Undefined();
    }
    TlsError error;
    if (connection->ResumeHandshake(std::move(context), &error)) return env.Undefined();
    Napi::Object result = Napi::Object::New(env);
    result.Set("error", ErrorObject(env, error));
    connection->Close(error.Message(), error.code.c_str(), false);
    return result;
  }

  // send(id, data: Buffer | string) -> undefined on success, else the ERR_TLS_* code. A string
  // goes out as UTF-8, copied from the JS string here: no Buffer is made per message.
  static Napi::Value SendOnPath(const Napi::CallbackInfo& info) {
    SendPath& path = **static_cast<std::shared_ptr<SendPath>*>(info.Data());
    Napi::Env env = info.Env();
    if (!Alive(env, path)) return env.Undefined();
    bool is_string = info[1].IsString();
    if (!is_string && !info[1].IsBuffer()) {
      Napi::TypeError::New(env, "send: data must be a Buffer or a string").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    TlsConnection* connection = ConnectionArg(path, info);
    if (connection == nullptr) return Napi::String::New(env, "ERR_TLS_CONNECTION_CLOSED");
    SendError error;
    if (is_string) {
      // One UTF-16 unit is at most 3 UTF-8 bytes: sizing by the (free) UTF-16 length spares
      // N-API a pass over the string to count UTF-8 bytes before writing them.
      size_t units = 0;
      napi_get_value_string_utf16(env, info[1], nullptr, 0, &units);
      size_t size = units * 3 + 1;  // and the NUL N-API always writes
      if (size > path.text_size) {
        // Grown without zero-filling: N-API writes every byte that is read.
        path.text.reset(new char[size]);
        path.text_size = size;
      }
      size_t len = 0;
      napi_get_value_string_utf8(env, info[1], path.text.get(), size, &len);
      error = connection->Send(reinterpret_cast<const uint8_t*>(path.text.get()), len);
      if (path.text_size > kKeepSendTextCapacity) {
        path.text.reset();
        path.text_size = 0;
      }
    } else {
      Napi::Buffer<uint8_t> data = info[1].As<Napi::Buffer<uint8_t>>();
      error = connection->Send(data.Data(), data.Length());
    }
    return error == nullptr ? env.Undefined() : Napi::String::New(env, error);
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    TlsConnection* connection = ConnectionArg(info);
    if (connection != nullptr) connection->Release();
    return Napi::Boolean::New(env, connection != nullptr);
  }

  Napi::Value Drop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    TlsConnection* connection = ConnectionArg(info);
    if (connection != nullptr) connection->Drop();
    return Napi::Boolean::New(env, connection != nullptr);
  }

  // close(id, reason) -> boolean (false: no such connection)
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    TlsConnection* connection = ConnectionArg(info);
    if (connection != nullptr) {
      std::string reason = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "closed locally";
      connection->Close(reason, "", false);
    }
    return Napi::Boolean::New(env, connection != nullptr);
  }

  // list() -> the live per-connection facts tls.list needs besides what TS cached.
  Napi::Value List(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    Napi::Array array = Napi::Array::New(env, path_->loop->Connections().size());
    uint64_t now = path_->loop->NowMs();
    uint32_t i = 0;
    for (const auto& entry : path_->loop->Connections()) {
      const TlsConnection* c = entry.second;
      Napi::Object o = Napi::Object::New(env);
      o.Set("id", c->Id());
      o.Set("state", StateName(c->State()));
      o.Set("outbound", c->Outbound());
      o.Set("generation", c->Generation());
      o.Set("ageMs", Napi::Number::New(env, static_cast<double>(now - c->CreatedMs())));
      o.Set("idleMs", Napi::Number::New(env, static_cast<double>(now - c->LastActivityMs())));
      o.Set("ctWqSize", Napi::Number::New(env, static_cast<double>(c->QueuedCleartext())));
      o.Set("cipherQueued", Napi::Number::New(env, static_cast<double>(c->QueuedCiphertext())));
      o.Set("flags", c->Flags());
      o.Set("records", c->OwnsRecords() ? "sip-tls" : "openssl");
      array.Set(i++, o);
    }
    return array;
  }

  // stats() -> counters, memory in use and available (bytes).
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    const IoCounters& c = path_->loop->Counters();
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](const char* key, uint64_t value) {
      o.Set(key, Napi::Number::New(env, static_cast<double>(value)));
    };
    set("opened", c.opened);
    set("accepted", c.accepted);
    set("connected", c.connected);
    set("refusedMaxConnections", c.refused_max_connections);
    set("refusedLowMem1", c.refused_low_mem1);
    set("failedLowMem2", c.failed_low_mem2);
    set("ctWqBytes", c.ct_wq_bytes);
    set("pingsAnswered", c.pings_answered);
    set("socketReads", c.socket_reads);
    set("socketWrites", c.socket_writes);
    set("socketBatches", c.socket_batches);
    o.Set("socketIo", path_->loop->UsesIoUring() ? "io_uring" : "syscalls");
    set("framingErrors", c.framing_errors);
    set("handshakesDone", c.handshakes_done);
    set("handshakeFailures", c.handshake_failures);
    set("idleTimeouts", c.idle_timeouts);
    set("handshakeTimeouts", c.handshake_timeouts);
    set("sendTimeouts", c.send_timeouts);
    set("memoryInUse", path_->loop->MemoryInUse());
    size_t available = path_->loop->MemoryAvailable();
    o.Set("memoryAvailable", available == SIZE_MAX ? Napi::Number::New(env, -1)
                                                   : Napi::Number::New(env, static_cast<double>(available)));
    return o;
  }

  Napi::Value Shutdown(const Napi::CallbackInfo& info) {
    ShutdownLoop();
    return info.Env().Undefined();
  }

  std::shared_ptr<SendPath> path_ = std::make_shared<SendPath>();
};

}  // namespace

void InitTransport(Napi::Env env, Napi::Object exports) {
  exports.Set("Transport", TransportWrap::Define(env));
}

}  // namespace siptls
