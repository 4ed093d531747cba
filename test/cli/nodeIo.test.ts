import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeIo, writeFileAtomic } from '../../src/cli/nodeIo.js';

describe('writeFileAtomic (the real --trace write)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hmmx-io-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file whole and leaves no temporary file behind', () => {
    const f = join(dir, 't.json');
    writeFileSync(f, 'old');
    writeFileAtomic(f, 'new contents\n');
    expect(readFileSync(f, 'utf8')).toBe('new contents\n');
    expect(readdirSync(dir)).toEqual(['t.json']);
  });

  it('writes a device target in place instead of renaming a plain file over it', () => {
    writeFileAtomic('/dev/null', 'discarded\n');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('fails without leaving anything when the target cannot be written', () => {
    const f = join(dir, 'sub');
    // A directory in the way: rename(2) over it fails after the temp file was written.
    mkdirSync(join(f, 'x'), { recursive: true });
    expect(() => writeFileAtomic(f, 'text')).toThrow();
    expect(readdirSync(dir)).toEqual(['sub']);
  });

  it('nodeIo reads, writes and tests existence on the real disk', () => {
    const io = nodeIo();
    const f = join(dir, 'a.txt');
    expect(io.exists(f)).toBe(false);
    io.writeFile(f, 'x');
    expect(io.exists(f)).toBe(true);
    expect(io.readFile(f)).toBe('x');
    expect(io.exists(`${dir}/.`)).toBe(true);
    expect(io.exists(`${f}/.`)).toBe(false);
    expect(() => io.readFile(join(dir, 'none'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
