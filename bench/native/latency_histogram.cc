#include "latency_histogram.h"

namespace siptls {

namespace {
constexpr uint64_t kLinearLimit = 2048;  // 2^11 µs recorded exactly
constexpr int kLinearBits = 11;
constexpr int kSubBits = 6;  // 64 sub-buckets per power of two above the linear range
constexpr int kMaxExponent = 40;
constexpr size_t kBucketCount = kLinearLimit + (kMaxExponent - kLinearBits + 1) * (1u << kSubBits);
}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBucketCount, 0) {}

size_t LatencyHistogram::BucketOf(uint64_t micros) {
  if (micros < kLinearLimit) return static_cast<size_t>(micros);
  int exponent = 63 - __builtin_clzll(micros);
  if (exponent > kMaxExponent) return kBucketCount - 1;
  uint64_t sub = (micros >> (exponent - kSubBits)) & ((1u << kSubBits) - 1);
  return kLinearLimit + static_cast<size_t>(exponent - kLinearBits) * (1u << kSubBits) + sub;
}

uint64_t LatencyHistogram::LowerBoundOf(size_t bucket) {
  if (bucket < kLinearLimit) return bucket;
  size_t above = bucket - kLinearLimit;
  int exponent = static_cast<int>(above >> kSubBits) + kLinearBits;
  uint64_t sub = above & ((1u << kSubBits) - 1);
  return (uint64_t{1} << exponent) | (sub << (exponent - kSubBits));
}

void LatencyHistogram::Record(uint64_t nanos) {
  buckets_[BucketOf(nanos / 1000)]++;
  count_++;
  sum_nanos_ += nanos;
  if (nanos > max_nanos_) max_nanos_ = nanos;
}

double LatencyHistogram::PercentileMicros(double quantile) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(quantile * static_cast<double>(count_));
  if (rank >= count_) rank = count_ - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); i++) {
    seen += buckets_[i];
    if (seen > rank) return static_cast<double>(LowerBoundOf(i));
  }
  return MaxMicros();
}

double LatencyHistogram::MeanMicros() const {
  return count_ == 0 ? 0 : static_cast<double>(sum_nanos_ / count_) / 1e3;
}

}  // namespace siptls
