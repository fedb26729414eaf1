#include "proc_cpu.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace siptls {

double ProcessCpuSeconds(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  FILE* file = fopen(path, "re");
  if (file == nullptr) return -1;
  char line[1024];
  size_t length = fread(line, 1, sizeof(line) - 1, file);
  fclose(file);
  line[length] = '\0';
  // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
  const char* rest = strrchr(line, ')');
  if (rest == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  // Fields after ')': 3 state, 4..13, then 14 utime, 15 stime.
  if (sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

uint64_t MonotonicNanos() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace siptls
