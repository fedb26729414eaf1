// JS access to the SIP framer on its own (`SipFramer`), for tests and for callers that frame a
// clear-text stream they carry themselves.
#include <napi.h>

#include <vector>

#include "sip_framer.h"
#include "transport_init.h"

namespace siptls {

namespace {

// Partial messages of the standalone framer live on the heap; connections use the buffer pool.
class HeapPartialStore : public PartialStore {
 public:
  char* Reserve(size_t capacity, size_t keep) override {
    (void)keep;  // std::vector::resize keeps the existing prefix
    if (storage_.size() < capacity) storage_.resize(capacity);
    return storage_.data();
  }
  void Release() override { std::vector<char>().swap(storage_); }
  size_t capacity() const { return storage_.capacity(); }

 private:
  std::vector<char> storage_;
};

class CollectingSink : public FrameSink {
 public:
  explicit CollectingSink(Napi::Env env) : env_(env), messages_(Napi::Array::New(env)) {}
  void OnMessage(const char* data, size_t len, size_t) override {
    messages_.Set(messages_.Length(), Napi::Buffer<char>::Copy(env_, data, len));
  }
  void OnPing() override { pings_++; }
  Napi::Array messages() const { return messages_; }
  uint32_t pings() const { return pings_; }

 private:
  Napi::Env env_;
  Napi::Array messages_;
  uint32_t pings_ = 0;
};

class SipFramerWrap : public Napi::ObjectWrap<SipFramerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SipFramer",
                       {InstanceMethod<&SipFramerWrap::Feed>("feed"),
                        InstanceAccessor<&SipFramerWrap::Pending>("pending")});
  }

  // new SipFramer(maxMessageSize: number)
  explicit SipFramerWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SipFramerWrap>(info), framer_(65536, &store_) {
    if (info.Length() > 0 && info[0].IsNumber()) {
      framer_.set_max_message_size(info[0].As<Napi::Number>().Uint32Value());
    }
  }

 private:
  // feed(chunk: Buffer) -> { messages: Buffer[], pings: number, error: string | null }
  Napi::Value Feed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsBuffer()) {
      Napi::TypeError::New(env, "SipFramer.feed: chunk must be a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<char> chunk = info[0].As<Napi::Buffer<char>>();
    CollectingSink sink(env);
    bool ok = framer_.Feed(chunk.Data(), chunk.Length(), &sink);
    Napi::Object result = Napi::Object::New(env);
    result.Set("messages", sink.messages());
    result.Set("pings", Napi::Number::New(env, sink.pings()));
    result.Set("error", ok ? env.Null() : Napi::String::New(env, FrameErrorText(framer_.error())));
    return result;
  }

  // Bytes held for a partial message, and whether storage is held at all.
  Napi::Value Pending(const Napi::CallbackInfo& info) {
    Napi::Object result = Napi::Object::New(info.Env());
    result.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(framer_.pending())));
    result.Set("storage", Napi::Number::New(info.Env(), static_cast<double>(store_.capacity())));
    return result;
  }

  HeapPartialStore store_;
  SipFramer framer_;
};

}  // namespace

void InitSipFramer(Napi::Env env, Napi::Object exports) {
  exports.Set("SipFramer", SipFramerWrap::Define(env));
}

}  // namespace siptls
