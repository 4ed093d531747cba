import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { decodeTrace } from '../../src/trace/format.js';
import { FakeIo } from '../cli/fakeIo.js';

// The traces behind the README's findings. A model change that stops reproducing one must be
// explained in the README (and the trace regenerated), never silently dropped.
const DIR = __dirname;
const traces = readdirSync(DIR).filter((f) => f.endsWith('.trace.json'));

describe('checked-in finding traces replay exactly', () => {
  it('has the findings of the README', () => {
    expect(traces.sort()).toEqual([
      'h1-cow-after-fork-linux-6.15.trace.json',
      'h1-mprotect-revoke-linux-6.15.trace.json',
      'h1-two-gpus-linux-6.15.trace.json',
      'h1-zero-page-linux-6.15.trace.json',
      'nouveau-retry-lock-leak-two-gpus-linux-5.14.trace.json',
      'trylock-cancel-peer-2cpu-1gpu-linux-5.14.trace.json',
    ]);
  });

  it.each(traces)('%s reproduces its violation (exit 1)', (name) => {
    const text = readFileSync(join(DIR, name), 'utf8');
    const recorded = decodeTrace(text, name).violation;
    expect(recorded).toBeDefined();
    const io = new FakeIo();
    io.files.set(name, text);
    const code = runCli(['replay', name], io);
    expect({ code, err: io.err }).toEqual({ code: 1, err: expect.any(String) });
    expect(io.out).toContain(`violation ${recorded?.invariant ?? '?'}`);
  });
});
