// The load generator addon (`sip_tls_loadgen`): runs the client side of the benchmarks on a
// libuv worker thread inside its own node process, over the OpenSSL that node exports. Every
// run returns a Promise; pools of held connections are kept per environment by id.
#include <napi.h>
#include <openssl/crypto.h>
#include <sys/resource.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "in_memory_bench.h"
#include "load_runs.h"

namespace siptls {

namespace {

struct LoadgenState {
  std::map<uint32_t, std::unique_ptr<ClientPool>> pools;
  uint32_t next_pool_id = 1;
};

LoadgenState* StateOf(Napi::Env env) { return env.GetInstanceData<LoadgenState>(); }

Napi::Object HistogramObject(Napi::Env env, const LatencyHistogram& histogram) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("count", Napi::Number::New(env, static_cast<double>(histogram.Count())));
  object.Set("p50", Napi::Number::New(env, histogram.PercentileMicros(0.50)));
  object.Set("p90", Napi::Number::New(env, histogram.PercentileMicros(0.90)));
  object.Set("p99", Napi::Number::New(env, histogram.PercentileMicros(0.99)));
  object.Set("max", Napi::Number::New(env, histogram.MaxMicros()));
  object.Set("mean", Napi::Number::New(env, histogram.MeanMicros()));
  return object;
}

Napi::Object ResultObject(Napi::Env env, const RunResult& result) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("completed", Napi::Number::New(env, static_cast<double>(result.completed)));
  object.Set("handshakes", Napi::Number::New(env, static_cast<double>(result.handshakes)));
  Napi::Object failures = Napi::Object::New(env);
  for (const auto& [kind, count] : result.failures) failures.Set(kind, Napi::Number::New(env, static_cast<double>(count)));
  object.Set("failures", failures);
  object.Set("firstError", Napi::String::New(env, result.first_error));
  object.Set("windowSeconds", Napi::Number::New(env, result.window_seconds));
  object.Set("handshakeLatencyUs", HistogramObject(env, result.handshake_latency));
  object.Set("latencyUs", HistogramObject(env, result.latency));
  Napi::Object watched = Napi::Object::New(env);
  for (const auto& [pid, seconds] : result.watched_cpu_seconds) {
    watched.Set(std::to_string(pid), Napi::Number::New(env, seconds));
  }
  object.Set("watchedCpuSeconds", watched);
  object.Set("loadgenThreadCpuSeconds", Napi::Number::New(env, result.loadgen_thread_cpu_seconds));
  object.Set("loadgenProcessCpuSeconds", Napi::Number::New(env, result.loadgen_process_cpu_seconds));
  return object;
}

// Reads option `name` as a number, or `fallback` when absent.
double NumberOption(const Napi::Object& options, const char* name, double fallback) {
  Napi::Value value = options.Get(name);
  return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
}

std::vector<pid_t> WatchOption(const Napi::Object& options) {
  std::vector<pid_t> pids;
  Napi::Value value = options.Get("watchPids");
  if (!value.IsArray()) return pids;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value pid = array.Get(i);
    if (pid.IsNumber()) pids.push_back(static_cast<pid_t>(pid.As<Napi::Number>().Int32Value()));
  }
  return pids;
}

// Reads {host, port, serverName} into a Target; throws a TypeError (and returns false) on misuse.
bool TargetOption(const Napi::Env& env, const Napi::Object& options, Target* target) {
  Napi::Value host = options.Get("host");
  Napi::Value port = options.Get("port");
  if (!host.IsString() || !port.IsNumber() ||
      !ResolveNumeric(host.As<Napi::String>().Utf8Value(), port.As<Napi::Number>().Int32Value(), target)) {
    Napi::TypeError::New(env, "options.host must be a numeric IP address and options.port a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Value server_name = options.Get("serverName");
  if (server_name.IsString()) target->server_name = server_name.As<Napi::String>().Utf8Value();
  return true;
}

// Runs `work` on a worker thread and resolves the promise with the result object, plus
// `extra` fields added on the JS thread.
class RunWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void(RunResult*)>;
  using Finish = std::function<void(Napi::Env, Napi::Object)>;
  RunWorker(Napi::Env env, Work work, Finish finish)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), finish_(std::move(finish)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { work_(&result_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object object = ResultObject(env, result_);
    if (!result_.fatal.empty()) object.Set("fatal", Napi::String::New(env, result_.fatal));
    if (finish_) finish_(env, object);
    deferred_.Resolve(object);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Finish finish_;
  RunResult result_;
};

// handshakes({host, port, serverName?, tls13Only?, concurrency, durationMs, maxCount?, watchPids?})
Napi::Value Handshakes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "handshakes(options): options must be an object").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  auto target = std::make_shared<Target>();
  if (!TargetOption(env, options, target.get())) return env.Undefined();
  HandshakeRunOptions run;
  run.concurrency = static_cast<int>(NumberOption(options, "concurrency", 16));
  run.duration_ns = static_cast<uint64_t>(NumberOption(options, "durationMs", 5000) * 1e6);
  run.max_count = static_cast<uint64_t>(NumberOption(options, "maxCount", 0));
  run.connection_timeout_ns = static_cast<uint64_t>(NumberOption(options, "timeoutMs", 10000) * 1e6);
  run.watch = WatchOption(options);
  bool tls13_only = options.Get("tls13Only").ToBoolean().Value() || options.Get("tls13Only").IsUndefined();
  if (run.concurrency < 1 || run.concurrency > 4096 || run.duration_ns == 0) {
    Napi::TypeError::New(env, "handshakes(options): concurrency must be 1..4096 and durationMs > 0")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new RunWorker(
      env, [target, run, tls13_only](RunResult* result) { RunHandshakes(*target, tls13_only, run, result); }, nullptr);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// openPool({host, port, serverName?, tls13Only?, count, concurrency, timeoutMs, poolId?}):
// opens `count` more connections, in a new pool or in `poolId`; resolves with the run result
// plus {poolId, open}.
Napi::Value OpenPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoadgenState* state = StateOf(env);
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "openPool(options): options must be an object").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  size_t count = static_cast<size_t>(NumberOption(options, "count", 0));
  int concurrency = static_cast<int>(NumberOption(options, "concurrency", 64));
  uint64_t timeout_ns = static_cast<uint64_t>(NumberOption(options, "timeoutMs", 120000) * 1e6);
  uint32_t pool_id = static_cast<uint32_t>(NumberOption(options, "poolId", 0));
  if (count == 0 || count > 1000000 || concurrency < 1 || concurrency > 4096) {
    Napi::TypeError::New(env, "openPool(options): count must be 1..1000000 and concurrency 1..4096")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (pool_id == 0) {
    Target target;
    if (!TargetOption(env, options, &target)) return env.Undefined();
    bool tls13_only = options.Get("tls13Only").ToBoolean().Value() || options.Get("tls13Only").IsUndefined();
    pool_id = state->next_pool_id++;
    state->pools[pool_id] = std::make_unique<ClientPool>(std::move(target), tls13_only);
  }
  auto found = state->pools.find(pool_id);
  if (found == state->pools.end() || found->second->busy) {
    Napi::TypeError::New(env, "openPool(options): unknown or busy poolId").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ClientPool* pool = found->second.get();
  pool->busy = true;
  auto* worker = new RunWorker(
      env, [pool, count, concurrency, timeout_ns](RunResult* result) { pool->Open(count, concurrency, timeout_ns, result); },
      [pool, pool_id](Napi::Env finish_env, Napi::Object object) {
        pool->busy = false;
        object.Set("poolId", Napi::Number::New(finish_env, pool_id));
        object.Set("open", Napi::Number::New(finish_env, static_cast<double>(pool->open_count())));
      });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// transactions({poolId, depth, durationMs, watchPids?})
Napi::Value Transactions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoadgenState* state = StateOf(env);
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "transactions(options): options must be an object").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  uint32_t pool_id = static_cast<uint32_t>(NumberOption(options, "poolId", 0));
  int depth = static_cast<int>(NumberOption(options, "depth", 4));
  uint64_t duration_ns = static_cast<uint64_t>(NumberOption(options, "durationMs", 5000) * 1e6);
  std::vector<pid_t> watch = WatchOption(options);
  auto found = state->pools.find(pool_id);
  if (found == state->pools.end() || found->second->busy || depth < 1 || depth > 1024 || duration_ns == 0) {
    Napi::TypeError::New(env, "transactions(options): needs an idle poolId, depth 1..1024 and durationMs > 0")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ClientPool* pool = found->second.get();
  pool->busy = true;
  auto* worker = new RunWorker(
      env, [pool, depth, duration_ns, watch](RunResult* result) { pool->RunTransactions(depth, duration_ns, watch, result); },
      [pool](Napi::Env, Napi::Object) { pool->busy = false; });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// closePool(poolId): closes every connection of the pool at once (RST). Throws while a run
// still uses it.
Napi::Value ClosePool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoadgenState* state = StateOf(env);
  uint32_t pool_id = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  auto found = state->pools.find(pool_id);
  if (found == state->pools.end() || found->second->busy) {
    Napi::TypeError::New(env, "closePool(poolId): unknown or busy poolId").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  state->pools.erase(found);
  return env.Undefined();
}

// raiseFileLimit(): raises this process's soft RLIMIT_NOFILE to its hard limit (holding
// 19,000 client sockets needs it) and returns the new soft limit.
Napi::Value RaiseFileLimit(const Napi::CallbackInfo& info) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(limit.rlim_cur));
}

// Runs an OpenSSL-alone in-memory benchmark on a worker thread; resolves with
// {operations, serverCpuSeconds, wallSeconds, error}.
class InMemoryWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void(InMemoryResult*)>;
  InMemoryWorker(Napi::Env env, Work work)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { work_(&result_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object object = Napi::Object::New(env);
    object.Set("operations", Napi::Number::New(env, static_cast<double>(result_.operations)));
    object.Set("serverCpuSeconds", Napi::Number::New(env, result_.server_cpu_seconds));
    object.Set("wallSeconds", Napi::Number::New(env, result_.wall_seconds));
    object.Set("error", Napi::String::New(env, result_.error));
    deferred_.Resolve(object);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  InMemoryResult result_;
};

// inMemory({mode: 'handshakes'|'transactions', cert, key, durationMs, messageBytes?})
Napi::Value InMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  Napi::Value mode = options.Get("mode");
  Napi::Value cert = options.Get("cert");
  Napi::Value key = options.Get("key");
  uint64_t duration_ns = static_cast<uint64_t>(NumberOption(options, "durationMs", 2000) * 1e6);
  size_t message_bytes = static_cast<size_t>(NumberOption(options, "messageBytes", 500));
  if (!mode.IsString() || !cert.IsString() || !key.IsString() || duration_ns == 0 || message_bytes == 0 ||
      message_bytes > 16384) {
    Napi::TypeError::New(env, "inMemory(options): needs mode, cert, key, durationMs > 0, messageBytes 1..16384")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string cert_file = cert.As<Napi::String>().Utf8Value();
  std::string key_file = key.As<Napi::String>().Utf8Value();
  bool handshakes = mode.As<Napi::String>().Utf8Value() == "handshakes";
  auto* worker = new InMemoryWorker(env, [=](InMemoryResult* result) {
    if (handshakes) InMemoryHandshakes(cert_file, key_file, duration_ns, result);
    else InMemoryTransactions(cert_file, key_file, message_bytes, duration_ns, result);
  });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

Napi::Object InitLoadgen(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new LoadgenState());  // freed by node-addon-api's default finalizer
  exports.Set("opensslRuntimeVersion", Napi::String::New(env, OpenSSL_version(OPENSSL_FULL_VERSION_STRING)));
  exports.Set("handshakes", Napi::Function::New(env, Handshakes, "handshakes"));
  exports.Set("openPool", Napi::Function::New(env, OpenPool, "openPool"));
  exports.Set("transactions", Napi::Function::New(env, Transactions, "transactions"));
  exports.Set("closePool", Napi::Function::New(env, ClosePool, "closePool"));
  exports.Set("raiseFileLimit", Napi::Function::New(env, RaiseFileLimit, "raiseFileLimit"));
  exports.Set("inMemory", Napi::Function::New(env, InMemory, "inMemory"));
  return exports;
}

}  // namespace siptls

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return siptls::InitLoadgen(env, exports); }

NODE_API_MODULE(sip_tls_loadgen, InitModule)
