import type { CliIo } from '../../src/cli/io.js';

/** An in-memory disk and captured streams, so CLI tests touch neither the file system nor the process. */
export class FakeIo implements CliIo {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(['.', '/tmp', 'traces']);
  out = '';
  err = '';

  stdout(text: string): void {
    this.out += text;
  }

  stderr(text: string): void {
    this.err += text;
  }

  readFile(path: string): string {
    const text = this.files.get(path);
    if (text !== undefined) return text;
    const code = this.dirs.has(path) ? 'EISDIR' : 'ENOENT';
    throw Object.assign(new Error(`${code}: ${path}`), { code });
  }

  writeFile(path: string, text: string): void {
    this.files.set(path, text);
  }

  exists(path: string): boolean {
    if (path.endsWith('/.')) return this.dirs.has(path.slice(0, -2));
    return this.files.has(path) || this.dirs.has(path);
  }
}
