// JS bridge of key log lines (see keylog_notice.h).
#include "keylog_notice.h"

#include <memory>
#include <string>

namespace siptls {

namespace {

// The thread-safe function and whether the environment still runs. Node tears the function down
// with the environment, so the cleanup hook releases it first and marks it gone; a context
// outliving its environment (finalizers run late) then drops its lines.
class NoticeQueue {
 public:
  NoticeQueue(Napi::Env env, Napi::Function fn)
      : env_(env), tsfn_(Napi::ThreadSafeFunction::New(env, fn, "sip-tls keylog", 0, 1)) {
    tsfn_.Unref(env);
    napi_add_env_cleanup_hook(env_, OnCleanup, this);
  }
  ~NoticeQueue() {
    if (!alive_) return;
    napi_remove_env_cleanup_hook(env_, OnCleanup, this);
    tsfn_.Release();
  }
  NoticeQueue(const NoticeQueue&) = delete;
  NoticeQueue& operator=(const NoticeQueue&) = delete;

  void Post(const char* line) {
    if (!alive_) return;
    auto* copy = new std::string(line);
    napi_status status = tsfn_.NonBlockingCall(copy, CallLogger);
    if (status != napi_ok) delete copy;
  }

 private:
  // Runs on the JS thread, also while a worker's environment is torn down, where JS can no
  // longer run: raw N-API calls whose failures are ignored (node-addon-api would turn them into
  // a throw, which is fatal at that point).
  static void CallLogger(Napi::Env env, Napi::Function fn, std::string* text) {
    if (env != nullptr && fn != nullptr) {
      napi_value line;
      napi_value undefined;
      if (napi_create_string_utf8(env, text->data(), text->size(), &line) == napi_ok &&
          napi_get_undefined(env, &undefined) == napi_ok) {
        napi_call_function(env, undefined, fn, 1, &line, nullptr);
      }
    }
    delete text;
  }

  static void OnCleanup(void* arg) {
    auto* queue = static_cast<NoticeQueue*>(arg);
    queue->alive_ = false;
    queue->tsfn_.Release();
  }

  napi_env env_;
  Napi::ThreadSafeFunction tsfn_;
  bool alive_ = true;
};

}  // namespace

KeyLogNotice MakeKeyLogNotice(Napi::Env env, Napi::Function fn) {
  std::shared_ptr<NoticeQueue> queue = std::make_shared<NoticeQueue>(env, fn);
  return [queue](const char* line) { queue->Post(line); };
}

}  // namespace siptls
