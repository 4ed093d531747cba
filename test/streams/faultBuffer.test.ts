import { TestScheduler } from 'rxjs/testing';
import type { FaultAccess, FaultEntry } from '../../src/domain/index.js';
import { markDuplicates, nouveauSvmFaultBatch, nouveauSvmFaultCmp, nouveauSvmFaultPriority, nouveauSvmFaultSort } from '../../src/streams/faultBuffer.js';

const f = (addr: number, access: FaultAccess, channel: string, inst = 0): FaultEntry => ({ inst, addr, access, gpc: 0, client: 0, channel });

describe('nouveau_svm_fault drain pipeline', () => {
  it('ranks PREFETCH < READ < WRITE < ATOMIC (weakest first, H3)', () => {
    expect((['atomic', 'write', 'read', 'prefetch'] as const).map(nouveauSvmFaultPriority)).toEqual([3, 2, 1, 0]);
    expect(nouveauSvmFaultCmp(f(16, 'read', 'a'), f(16, 'write', 'b'))).toBeLessThan(0);
    expect(nouveauSvmFaultCmp(f(17, 'prefetch', 'a'), f(16, 'atomic', 'b'))).toBeGreaterThan(0);
  });

  it('sorts by instance, address, then access, and marks same-page duplicates', () => {
    const batch = nouveauSvmFaultBatch([
      f(17, 'read', 'ch3'),
      f(16, 'atomic', 'ch0'),
      f(16, 'write', 'ch1'),
      f(16, 'prefetch', 'ch2'),
      f(15, 'write', 'ch4', 1),
    ]);
    expect(batch.map((b) => `${b.inst}:${b.addr}:${b.access}:${b.channel}:${b.duplicate ? 'dup' : ''}`)).toEqual([
      '0:16:prefetch:ch2:',
      '0:16:write:ch1:dup',
      '0:16:atomic:ch0:dup',
      '0:17:read:ch3:',
      '1:15:write:ch4:',
    ]);
  });

  it('keeps drain order between equal keys and handles an empty batch', () => {
    expect(nouveauSvmFaultBatch([f(16, 'read', 'b'), f(16, 'read', 'a')]).map((x) => x.channel)).toEqual(['b', 'a']);
    expect(nouveauSvmFaultBatch([])).toEqual([]);
  });

  it('emits one sorted batch when the drained stream completes (marbles)', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c|', { a: f(18, 'read', 'x'), b: f(16, 'write', 'y'), c: f(16, 'read', 'z') });
      expectObservable(src.pipe(nouveauSvmFaultSort())).toBe('------(s|)', {
        s: [f(16, 'read', 'z'), f(16, 'write', 'y'), f(18, 'read', 'x')],
      });
      expectObservable(src.pipe(markDuplicates())).toBe('-a-b-c|', {
        a: { ...f(18, 'read', 'x'), duplicate: false },
        b: { ...f(16, 'write', 'y'), duplicate: false },
        c: { ...f(16, 'read', 'z'), duplicate: true },
      });
    });
  });
});
