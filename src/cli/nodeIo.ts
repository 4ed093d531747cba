import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { CliIo } from './io.js';

/**
 * Write to a sibling temp file, then rename over the target: rename(2) is atomic within a directory.
 * A target that exists and is not a regular file (/dev/null, a FIFO) is written in place: renaming
 * over it would replace the device node with a plain file.
 */
export function writeFileAtomic(path: string, text: string): void {
  if (existsSync(path)) {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path} is a directory`), { code: 'EISDIR' });
    if (!st.isFile()) {
      writeFileSync(path, text, 'utf8');
      return;
    }
  }
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
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
