import { flagsFor, formatGpuPte, formatPte, type GpuMmuState, type ModelEvent, type MutationId, type NotifierTarget, type MmuNotifierRange, type VariantId } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { enabledSteps } from '../../src/runtime/step.js';
import { createNouveauSvmMachine, type NouveauSvmContext } from '../../machines/nouveauSvm.machine.js';
import { gpuWorld, kernelOf, region, runToQuiescence } from './gpuWorld.js';
import type { Harness } from './gpuHarness.js';

const VARIANTS: readonly VariantId[] = ['linux-6.15', 'linux-5.14'];

// ---- the notifier callbacks, driven by hand ----

function driver(variant: VariantId, mutations: readonly MutationId[] = []) {
  const s = new MachineStepper('nouveauSvm', createNouveauSvmMachine(flagsFor(variant, mutations)));
  return { s, snap: s.initial('gpu0', { self: 'gpu0', gpuMmu: 'gpu0.mmu', mm: 0 }) };
}
const range = (event: MmuNotifierRange['event'], owner: string | null): MmuNotifierRange => ({ mm: 0, start: 16, end: 17, event, owner, blockable: true });
const invalidate = (target: NotifierTarget, r: MmuNotifierRange): ModelEvent => ({ type: 'MMU_NOTIFIER_INVALIDATE', from: 'cpu0', target, range: r, curSeq: 5 });
const INTERVAL: NotifierTarget = { kind: 'interval', sub: 3, driver: 'gpu0' };
const HLIST: NotifierTarget = { kind: 'hlist', driver: 'gpu0' };

describe('nouveauSvm notifier callbacks', () => {
  it('interval: its own MMU_NOTIFY_EXCLUSIVE returns at once, without set_seq', () => {
    const { s, snap } = driver('linux-6.15');
    const r = s.transition(snap, invalidate(INTERVAL, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0')));
    expect(r?.out).toEqual([{ mode: 'ret', to: 'cpu0', event: { type: 'RET', from: 'gpu0', call: 'MMU_NOTIFIER_INVALIDATE', result: { ok: true } } }]);
  });

  it('interval: another event sets the seq under svmm->mutex, then returns to the invalidating task', () => {
    const { s, snap } = driver('linux-5.14');
    const r1 = s.transition(snap, invalidate(INTERVAL, range('MMU_NOTIFY_EXCLUSIVE', null)));
    expect(r1?.out).toEqual([{ mode: 'call', to: 'mmu', event: { type: 'MMU_INTERVAL_SET_SEQ', from: 'gpu0', sub: 3, seq: 5 } }]);
    expect(r1?.next.context['svmmMutex']).toBe('cpu0');
    const r2 = s.transition(r1!.next, { type: 'RET', from: 'mmu', call: 'MMU_INTERVAL_SET_SEQ', result: { ok: true } });
    expect(r2?.out).toEqual([{ mode: 'ret', to: 'cpu0', event: { type: 'RET', from: 'gpu0', call: 'MMU_NOTIFIER_INVALIDATE', result: { ok: true } } }]);
    expect(r2?.next.context['svmmMutex']).toBeNull();
    expect(r2?.next.value).toEqual({ mmuNotifierCallbacks: 'idle', nouveauSvmFault: 'idle' });
  });

  it('driver-no-owner-filter: its own EXCLUSIVE sets the seq too', () => {
    const { s, snap } = driver('linux-6.15', ['driver-no-owner-filter']);
    const r = s.transition(snap, invalidate(INTERVAL, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0')));
    expect(r?.out[0]?.event.type).toBe('MMU_INTERVAL_SET_SEQ');
  });

  it('hlist: PFNCLRs the range for every event but its own MIGRATE', () => {
    const { s, snap } = driver('linux-6.15');
    const r = s.transition(snap, invalidate(HLIST, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0')));
    expect(r?.out).toEqual([{ mode: 'call', to: 'gpu0.mmu', event: { type: 'PFNCLR', from: 'gpu0', start: 16, end: 17 } }]);
    expect(r?.next.value).toEqual({ mmuNotifierCallbacks: 'nouveauSvmmInvalidate', nouveauSvmFault: 'idle' });
    const m = s.transition(snap, invalidate(HLIST, range('MMU_NOTIFY_MIGRATE', 'gpu0')));
    expect(m?.out[0]?.mode).toBe('ret');
  });

  it('driver-ignores-invalidate: both callbacks return without touching anything', () => {
    const { s, snap } = driver('linux-6.15', ['driver-ignores-invalidate']);
    for (const t of [INTERVAL, HLIST]) {
      const r = s.transition(snap, invalidate(t, range('MMU_NOTIFY_CLEAR', null)));
      expect(r?.out.map((e) => e.mode)).toEqual(['ret']);
      expect(r?.next.context['svmmMutex']).toBeNull();
    }
  });

  it('blocks (refuses the call) while the fault worker holds svmm->mutex', () => {
    const { s, snap } = driver('linux-6.15');
    const held = s.canonical({ ...snap, context: { ...snap.context, svmmMutex: 'worker' } });
    expect(s.transition(held, invalidate(HLIST, range('MMU_NOTIFY_CLEAR', null)))).toBeNull();
    expect(s.transition(held, invalidate(INTERVAL, range('MMU_NOTIFY_CLEAR', null)))).toBeNull();
    // The owner filter runs before mutex_lock, so the worker's own conversion never waits for it.
    expect(s.transition(held, invalidate(INTERVAL, range('MMU_NOTIFY_EXCLUSIVE', 'gpu0')))?.out[0]?.mode).toBe('ret');
  });
});

// ---- end to end, with the real mm, notifier and GPU actors ----

const g = (h: Harness): GpuMmuState => h.ctx<{ g: GpuMmuState }>('gpu0.mmu').g;
const svm = (h: Harness): NouveauSvmContext => h.ctx<NouveauSvmContext>('gpu0');
const pte = (h: Harness, vpn: number): string => {
  const p = kernelOf(h.world).mms[0]?.ptes[String(vpn)];
  return p === undefined ? 'none' : formatPte(p);
};
const word = (h: Harness, vpn: number, w: number): number | undefined => {
  const k = kernelOf(h.world);
  const p = k.mms[0]?.ptes[String(vpn)];
  const pfn = p !== undefined && (p.kind === 'present' || p.kind === 'devExcl') ? p.pfn : undefined;
  return pfn === undefined ? undefined : k.folios[pfn]?.data[w];
};

describe.each(VARIANTS)('nouveau SVM atomics end to end (%s)', (variant) => {
  it('a GPU atomicAdd on a write-populated page makes the CPU PTE devExcl, maps V|W|A and increments the word', () => {
    const { h } = gpuWorld({ variant, regions: [region(16, [5, 0])], channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }] } });
    runToQuiescence(h);
    expect(h.actor('ch0').value).toBe('done');
    expect(pte(h, 16)).toBe(variant === 'linux-5.14' ? 'devExcl(pfn=1 W SD)' : 'devExcl(pfn=1 SD)');
    expect(formatGpuPte(g(h).ptes['16'])).toBe('V A HOST pfn=1');
    expect(word(h, 16, 0)).toBe(6);
    const folio = kernelOf(h.world).folios[1];
    // The driver dropped the folio lock and reference it got from make_device_exclusive.
    expect(folio?.locked).toBeNull();
    expect(folio?.refcount).toBe(1);
    expect(folio?.mapcount).toBe(variant === 'linux-5.14' ? 0 : 1);
    expect(svm(h)).toMatchObject({ svmmMutex: null, batch: [], rf: null, mde: null, hrf: null });
    expect(h.actor('gpu0').value).toEqual({ mmuNotifierCallbacks: 'idle', nouveauSvmFault: 'idle' });
  });

  it('a CPU store to the page afterwards restores the PTE after the hlist callback PFNCLRed the GPU PTE', () => {
    const { h } = gpuWorld({
      variant,
      regions: [region(16, [5, 0])],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }] },
      cpus: { cpu0: [{ op: 'store', vpn: 16, word: 1, value: 9 }] },
    });
    runToQuiescence(h);
    expect(h.actor('cpu0').value).toBe('done');
    expect(g(h).ptes['16']).toBeUndefined();
    expect(pte(h, 16)).toMatch(/^present\(pfn=1 W/);
    expect([word(h, 16, 0), word(h, 16, 1)]).toEqual([6, 9]);
  });

  it('a GPU load takes nouveau_range_fault: V only, ATOMIC_DISABLE, CPU PTE untouched', () => {
    const { h } = gpuWorld({ variant, regions: [region(16, [5, 0])], channels: { ch0: [{ op: 'load', vpn: 16, word: 0, expect: { value: 5 } }] } });
    runToQuiescence(h);
    expect(h.ctx<{ expectFailures: unknown[] }>('ch0').expectFailures).toEqual([]);
    expect(h.actor('ch0').value).toBe('done');
    expect(formatGpuPte(g(h).ptes['16'])).toBe('V AD HOST pfn=1');
    expect(pte(h, 16)).toMatch(/^present\(pfn=1 W/);
  });

  it('driver-no-owner-filter: every iteration retries (L3); 6.15 times out and cancels, 5.14 deadlocks on its leaked folio lock', () => {
    const { h } = gpuWorld({
      variant,
      mutations: ['driver-no-owner-filter'],
      regions: [region(16, [5, 0])],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }] },
      retryBound: 2,
    });
    runToQuiescence(h);
    expect(g(h).ptes['16']).toBeUndefined();
    expect(word(h, 16, 0)).toBe(5);
    const folio = kernelOf(h.world).folios[1];
    if (variant === 'linux-6.15') {
      expect(h.actor('ch0').value).toBe('killed');
      expect(folio?.locked).toBeNull();
      expect(h.actor('gpu0').value).toEqual({ mmuNotifierCallbacks: 'idle', nouveauSvmFault: 'idle' });
    } else {
      // 5.14 kept the folio locked on retry (domain.md §5 #5): the next GUP faults on the devExcl
      // entry and remove_device_exclusive_entry sleeps on the lock the worker itself holds.
      expect(h.actor('ch0').value).toBe('stalled');
      expect(folio?.locked).toBe('gpu0');
      expect(JSON.stringify(h.actor('gpu0').value)).toContain('"removeDeviceExclusiveEntry":"folioLock"');
    }
  });

  it('driver-skips-seq-retry: maps even though the seq moved', () => {
    const { h } = gpuWorld({
      variant,
      mutations: ['driver-no-owner-filter', 'driver-skips-seq-retry'],
      regions: [region(16, [5, 0])],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }] },
    });
    runToQuiescence(h);
    expect(h.actor('ch0').value).toBe('done');
    expect(word(h, 16, 0)).toBe(6);
  });
});

describe('fault batches', () => {
  it('H2: a READ fault later in a batch that saw an ATOMIC fault goes through the atomic path', () => {
    const { h } = gpuWorld({
      variant: 'linux-6.15',
      regions: [region(16, [5]), region(18, [7])],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }], ch1: [{ op: 'load', vpn: 18, word: 0, expect: { value: 7 } }] },
    });
    h.run('ch0');
    h.run('ch1');
    runToQuiescence(h);
    expect([h.actor('ch0').value, h.actor('ch1').value]).toEqual(['done', 'done']);
    expect(pte(h, 18)).toMatch(/^devExcl/);
    expect(formatGpuPte(g(h).ptes['18'])).toMatch(/^V A HOST/);
  });

  it('H2: ... and on a read-only VMA the make_device_exclusive GUP fails, so the reader is cancelled', () => {
    const { h } = gpuWorld({
      variant: 'linux-6.15',
      regions: [region(16, [5]), region(18, [7], { write: false, populate: 'read' })],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }], ch1: [{ op: 'load', vpn: 18, word: 0 }] },
    });
    h.run('ch0');
    h.run('ch1');
    runToQuiescence(h);
    expect([h.actor('ch0').value, h.actor('ch1').value]).toEqual(['done', 'killed']);
  });

  it('H3: READ and ATOMIC on one page: the READ is handled first and the ATOMIC skipped, costing a second batch', () => {
    const { h } = gpuWorld({
      variant: 'linux-6.15',
      regions: [region(16, [5])],
      channels: { ch0: [{ op: 'atomicAdd', vpn: 16, word: 0, value: 1 }], ch1: [{ op: 'load', vpn: 16, word: 0 }] },
    });
    h.run('ch0');
    h.run('ch1');
    let drains = 0;
    let afterFirst: string | null = null;
    for (let i = 0; i < 500; i++) {
      const next = enabledSteps(h.world, h.steppers, true)[0];
      if (next === undefined) break;
      h.world = next.outcome.world;
      if (next.outcome.deliveries.some((d) => d.event.type === 'FAULT_REPLAY') && afterFirst === null) afterFirst = formatGpuPte(g(h).ptes['16']);
      drains += next.outcome.deliveries.filter((d) => d.event.type === 'FAULT_BUFFER_DRAIN').length;
    }
    expect(afterFirst).toBe('V AD HOST pfn=1');
    expect(drains).toBe(2);
    expect([h.actor('ch0').value, h.actor('ch1').value]).toEqual(['done', 'done']);
    expect(word(h, 16, 0)).toBe(6);
  });

  it('PREFETCH on an unpopulated page: hmm_range_fault without REQ_FAULT reports it invalid, phys 0 unmaps, the fault is still replayed', () => {
    const { h } = gpuWorld({ variant: 'linux-6.15', regions: [region(16, [0], { populate: 'none' })], channels: { ch0: [{ op: 'prefetch', vpn: 16, word: 0 }] } });
    const calls: string[] = [];
    for (let i = 0; i < 100 && !calls.includes('FAULT_REPLAY'); i++) {
      const next = enabledSteps(h.world, h.steppers, true)[0];
      if (next === undefined) break;
      h.world = next.outcome.world;
      calls.push(...next.outcome.deliveries.filter((d) => d.mode === 'call' && d.to === 'gpu0.mmu').map((d) => d.event.type));
    }
    expect(calls).toEqual(['GPU_ACCESS', 'FAULT_BUFFER_DRAIN', 'PFNCLR', 'FAULT_REPLAY']);
    expect(pte(h, 16)).toBe('none');
    expect(g(h).ptes['16']).toBeUndefined();
    expect(svm(h).phys).toBe(0);
  });
});
