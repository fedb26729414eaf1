/**
 * The guide's path rule for every file parameter (module parameters and tls.cfg keys alike):
 * a leading `.` is relative to the working directory and left as is, a leading `/` is absolute
 * (this also passes `/engine:…` and `/uri:…` key references through), anything else is relative
 * to the directory of the main config file.
 */
import * as path from 'node:path';

/**
 * @param value the path as written; '' stays '' (the guide's "not set" / `""`).
 * @param baseDir the main config file's directory.
 */
export function resolveConfigPath(value: string, baseDir: string): string {
  if (value === '' || value.startsWith('.') || value.startsWith('/')) return value;
  return path.join(baseDir, value);
}
