import { OP_EXPECTATION, checkFinalExpectations } from '../../src/invariants/index.js';
import { V, channelActor, cpuActor, ctxFor, devExcl, folio, kernelActor, mm, mmuActor, world, zeroPage } from './fixtures.js';

describe('op-expectation', () => {
  it('passes with no recorded failures', () => {
    const w = world(kernelActor([mm(0, {})], [zeroPage]), cpuActor('cpu0', 'done', [], 0), channelActor('ch0', 'done', [], 0));
    expect(OP_EXPECTATION.state?.(ctxFor(), w)).toBeNull();
  });

  it('lists every failure of every thread and channel', () => {
    const w = world(
      kernelActor([mm(0, {})], [zeroPage]),
      cpuActor('cpu0', 'done', [], 2, [{ pc: 1, op: 'dmirror HMM_DMIRROR_CHECK_EXCLUSIVE', expected: 'ret 0', got: 'ret -EPERM' }]),
      channelActor('ch0', 'done', [], 1, [{ pc: 0, op: 'load', expected: '3', got: '2' }]),
    );
    expect(OP_EXPECTATION.state?.(ctxFor(), w)).toBe(
      'cpu0 op #1 dmirror HMM_DMIRROR_CHECK_EXCLUSIVE: expected ret 0, got ret -EPERM; ch0 op #0 load: expected 3, got 2',
    );
  });
});

describe('checkFinalExpectations (expect-final)', () => {
  const w = world(kernelActor([mm(0, { [V]: devExcl(1) })], [zeroPage, folio(1, { data: [4, 7] })]), mmuActor());
  it('reads mm 0 through its page table (devExcl names the folio; none reads 0)', () => {
    expect(
      checkFinalExpectations(
        [
          { at: 'buf:0', vpn: V, word: 0, equals: 4 },
          { at: 'buf:1', vpn: V, word: 1, equals: 7 },
          { at: 'buf:2', vpn: V + 1, word: 0, equals: 0 },
        ],
        w,
      ),
    ).toBeNull();
  });

  it('reports every mismatch', () => {
    expect(
      checkFinalExpectations(
        [
          { at: 'buf:0', vpn: V, word: 0, equals: 5 },
          { at: 'buf:2', vpn: V + 1, word: 0, equals: 1 },
        ],
        w,
      ),
    ).toEqual({ invariant: 'expect-final', message: 'buf:0 = 4, expected 5; buf:2 = 0 (not mapped), expected 1' });
  });
});
