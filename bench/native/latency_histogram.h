// Log-linear latency histogram: exact microseconds below 2,048 µs, then 64 buckets per
// power of two (about 1.6% resolution), up to about 17 minutes. Not thread-safe: one per run.
#ifndef SIPTLS_BENCH_LATENCY_HISTOGRAM_H_
#define SIPTLS_BENCH_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace siptls {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // Records one latency in nanoseconds.
  void Record(uint64_t nanos);

  // Smallest recorded value (µs, bucket lower bound) at or above the given quantile (0..1);
  // 0 when nothing was recorded.
  double PercentileMicros(double quantile) const;
  double MeanMicros() const;
  double MaxMicros() const { return static_cast<double>(max_nanos_) / 1e3; }
  uint64_t Count() const { return count_; }

 private:
  static size_t BucketOf(uint64_t micros);
  static uint64_t LowerBoundOf(size_t bucket);

  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t max_nanos_ = 0;
  long double sum_nanos_ = 0;
};

}  // namespace siptls

#endif  // SIPTLS_BENCH_LATENCY_HISTOGRAM_H_
