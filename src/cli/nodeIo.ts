import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { CliIo } from './io.js';

/** Write to a sibling temp file, then rename over the target: rename(2) is atomic within a directory. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { encoding: 'utf8', flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file was never created, or is already gone.
    }
    throw e;
  }
}

/** The real process and disk. */
export function nodeIo(): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: (path) => readFileSync(path, 'utf8'),
    writeFile: writeFileAtomic,
    exists: (path) => existsSync(path),
  };
}
