import { dirname } from 'node:path';
import { CliInputError } from '../errors.js';
import type { CliIo } from '../io.js';

/**
 * Checked before any work, so a bad `--trace` fails at once (exit 2) and not after a long run;
 * the write itself is atomic (CliIo.writeFile), so nothing half-written is ever left behind.
 */
export function checkTraceTarget(file: string, io: CliIo): void {
  const dir = dirname(file);
  if (!io.exists(dir)) throw new CliInputError(`--trace ${file}: directory ${dir} does not exist`);
  // A directory still exists with "/." appended; a regular file does not.
  if (file.endsWith('/') || io.exists(`${file}/.`)) throw new CliInputError(`--trace ${file}: is a directory; give a file name`);
}

export function writeTrace(file: string, text: string, io: CliIo): void {
  try {
    io.writeFile(file, text);
  } catch (e) {
    throw new CliInputError(`--trace ${file}: cannot write: ${e instanceof Error ? e.message : String(e)}`);
  }
}
