// CPU time of processes and of the calling thread, as the harness reports it.
#ifndef SIPTLS_BENCH_PROC_CPU_H_
#define SIPTLS_BENCH_PROC_CPU_H_

#include <cstdint>
#include <sys/types.h>

namespace siptls {

// utime + stime of every thread of `pid` (fields 14 and 15 of /proc/PID/stat, see proc(5)), in
// seconds at clock-tick resolution. Returns -1 when the process cannot be read.
double ProcessCpuSeconds(pid_t pid);

// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in seconds.
double ThreadCpuSeconds();

// CLOCK_MONOTONIC in nanoseconds.
uint64_t MonotonicNanos();

}  // namespace siptls

#endif  // SIPTLS_BENCH_PROC_CPU_H_
