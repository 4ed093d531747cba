import type { CpuOp, GpuOp, Pte } from '../../src/domain/index.js';
import { S2 } from '../../src/invariants/index.js';
import { V, channelActor, cpuActor, ctxFor, devExcl, folio, gpuMmuActor, gpuPte, kernelActor, mm, mmuActor, present, world, zeroPage } from './fixtures.js';

const ctx = ctxFor('linux-6.15', { [`${V}:0`]: 10 });
const cpuAdd: CpuOp = { op: 'atomicAdd', vpn: V, word: 0, value: 1 };
const gpuAdd: GpuOp = { op: 'atomicAdd', vpn: V, word: 0, value: 2 };

/** cpu0 completed `cpuPc` adds of 1, ch0 completed `gpuPc` adds of 2; word 0 holds `value`. */
function w(value: number, cpuPc: number, gpuPc: number, opts: { inflight?: boolean; cpuProgram?: readonly CpuOp[]; pte?: 'present' | 'devExcl' | 'none' } = {}) {
  const pte = opts.pte ?? 'present';
  const ptes: Readonly<Record<number, Pte>> = pte === 'none' ? {} : { [V]: pte === 'present' ? present(1) : devExcl(1) };
  return world(
    kernelActor([mm(0, ptes)], [zeroPage, folio(1, { data: [value, 0] })]),
    mmuActor(),
    gpuMmuActor('gpu0', { [V]: gpuPte(1) }, opts.inflight === true ? [{ channel: 'ch0', vpn: V, pfn: 1 }] : []),
    channelActor('ch0', 'issuing', [gpuAdd, gpuAdd], gpuPc),
    cpuActor('cpu0', 'cpuAccess', opts.cpuProgram ?? [cpuAdd, cpuAdd], cpuPc),
  );
}
const check = (x: ReturnType<typeof w>): string | null => S2.state?.(ctx, x) ?? null;

describe('S2 no lost update', () => {
  it('passes when the word equals init + completed adds (through a present or a devExcl PTE)', () => {
    expect(check(w(10 + 1 + 2 + 2, 1, 2))).toBeNull();
    expect(check(w(10 + 2, 0, 1, { pte: 'devExcl' }))).toBeNull();
  });

  it('fails when a completed add is missing', () => {
    expect(check(w(10 + 2, 1, 1))).toBe('mm 0 vpn 16 word 0 = 12, expected 13 (init 10 + 2 completed atomic adds): an update was lost');
  });

  it('does not judge a word while a GPU atomic on it is between its read and write halves', () => {
    expect(check(w(10, 1, 1, { inflight: true }))).toBeNull();
    expect(check(w(10, 1, 1, { inflight: false }))).not.toBeNull();
  });

  it('skips a none PTE, words another op writes, and programs with fork', () => {
    expect(check(w(999, 1, 1, { pte: 'none' }))).toBeNull();
    expect(check(w(999, 1, 1, { cpuProgram: [cpuAdd, { op: 'store', vpn: V, word: 0, value: 7 }] }))).toBeNull();
    expect(check(w(999, 1, 1, { cpuProgram: [cpuAdd, { op: 'madviseDontneed', start: V, end: V + 1 }] }))).toBeNull();
    expect(check(w(999, 1, 1, { cpuProgram: [{ op: 'fork' }, cpuAdd] }))).toBeNull();
  });

  it('still checks a word that is also loaded (loads do not change it)', () => {
    expect(check(w(999, 1, 1, { cpuProgram: [cpuAdd, { op: 'load', vpn: V, word: 0 }] }))).toContain('= 999, expected 13');
  });
});
