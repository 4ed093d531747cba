import type { Delivery } from '../../src/runtime/step.js';
import { formatRows, renderLayout, renderLog, stepRow } from '../../src/trace/render.js';
import { devExcl, folio, kernel, layout, logStep, notifier, present, world } from './fixtures.js';

const rfe = { access: { handleMmFault: { removeDeviceExclusiveEntry: 'folioLockOrRetry' } } };

describe('the kernel-style log of hand-made steps', () => {
  it('renders a faulting user store from the call and its RET', () => {
    const before = world({ k: kernel(devExcl) });
    const after = world({ k: kernel(devExcl), cpu: { access: 'mmapReadLock' } });
    const d: Delivery[] = [
      { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
      { to: 'mm', mode: 'call', event: { type: 'CPU_ACCESS', from: 'cpu0', mm: 0, vpn: 16, word: 1, access: 'store', value: 5 } },
      { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'CPU_ACCESS', result: { kind: 'fault', write: true } } },
    ];
    expect(stepRow(layout, 0, before, logStep('cpu0', d, after))).toEqual({
      index: 0,
      actor: 'cpu0',
      where: 'access',
      what: 'user store buf:1 := 5 → page fault (write)',
    });
  });

  it('names the enclosing kernel function and shows the folio lock it took', () => {
    const before = world({ cpu: rfe });
    const after = world({ cpu: { access: { handleMmFault: { removeDeviceExclusiveEntry: 'mmuNotifierInvalidateRangeStart' } } }, k: kernel(devExcl, folio({ locked: 'cpu0' })) });
    const d: Delivery[] = [
      { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
      { to: 'mm', mode: 'call', event: { type: 'FOLIO_LOCK_OR_RETRY', from: 'cpu0', pfn: 1 } },
      { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'FOLIO_LOCK_OR_RETRY', result: { result: 'locked' } } },
    ];
    const row = stepRow(layout, 12, before, logStep('cpu0', d, after));
    expect(row.where).toBe('remove_device_exclusive_entry');
    expect(row.what).toBe('folio_lock_or_retry pfn=1 → locked  | folio 1: locked by cpu0');
  });

  it('nests the callee\'s own calls and diffs the GPU page table', () => {
    const range = { mm: 0, start: 16, end: 17, event: 'MMU_NOTIFY_CLEAR' as const, owner: null, blockable: true };
    const before = world({ n: notifier(1) });
    const after = world({ n: notifier(1), gpuPte: null });
    const d: Delivery[] = [
      { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
      { to: 'gpu0', mode: 'call', event: { type: 'MMU_NOTIFIER_INVALIDATE', from: 'cpu0', target: { kind: 'hlist', driver: 'gpu0' }, range, curSeq: 1 } },
      { to: 'gpu0.mmu', mode: 'call', event: { type: 'PFNCLR', from: 'gpu0', start: 16, end: 17 } },
      { to: 'gpu0', mode: 'ret', event: { type: 'RET', from: 'gpu0.mmu', call: 'PFNCLR', result: { ok: true } } },
      { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'gpu0', call: 'MMU_NOTIFIER_INVALIDATE', result: { ok: true } } },
    ];
    expect(stepRow(layout, 13, before, logStep('cpu0', d, after)).what).toBe(
      'gpu0:nouveau_svmm_invalidate_range_start MMU_NOTIFY_CLEAR buf+0 cur_seq 1 { nvif_vmm PFNCLR buf+0 }  | gpu0 pte buf+0: V A HOST pfn=1 → invalid',
    );
  });

  it('shows a restore as the PTE it rewrote, and the notifier sequence it bumped', () => {
    const before = world({ k: kernel(devExcl), n: notifier(2) });
    const after = world({ k: kernel(present), n: notifier(3) });
    const d: Delivery[] = [
      { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
      { to: 'mm', mode: 'call', event: { type: 'RESTORE_EXCLUSIVE_PTE', from: 'cpu0', mm: 0, vpn: 16, orig: devExcl, pfn: 1 } },
      { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'RESTORE_EXCLUSIVE_PTE', result: { restored: true } } },
    ];
    expect(stepRow(layout, 14, before, logStep('cpu0', d, after)).what).toBe(
      'restore_exclusive_pte buf+0 pfn=1 orig=devExcl(pfn=1) → restored  | pte buf+0: devExcl(pfn=1) → present(pfn=1 W D Y), invalidate_seq 2→3',
    );
  });

  it('renders a GPU access in the channel\'s words, with the data it changed and the op it finished', () => {
    const before = world({ k: kernel(devExcl, folio({ data: [1, 0] })) });
    const after = world({ k: kernel(devExcl, folio({ data: [2, 0] })), chPc: 1 });
    const d: Delivery[] = [
      { to: 'ch0', mode: 'step', event: { type: 'STEP', from: 'ch0' } },
      { to: 'gpu0.mmu', mode: 'call', event: { type: 'GPU_ACCESS', from: 'ch0', vpn: 16, word: 0, access: 'atomicWrite', value: 2 } },
      { to: 'mm', mode: 'call', event: { type: 'DMA_WRITE', from: 'gpu0.mmu', pfn: 1, word: 0, value: 2 } },
      { to: 'gpu0.mmu', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'DMA_WRITE', result: { ok: true } } },
      { to: 'ch0', mode: 'ret', event: { type: 'RET', from: 'gpu0.mmu', call: 'GPU_ACCESS', result: { kind: 'done', value: 0 } } },
    ];
    const row = stepRow(layout, 20, before, logStep('ch0', d, after));
    expect(row.where).toBe('gpu');
    expect(row.what).toBe('atomic write buf:0 := 2  | buf:0 1→2, ch0 op 1/2 done');
  });

  it('renders a delivered post, the posts sent and where the receiver comes to rest', () => {
    const before = world({ ch: 'stalled', stalled: ['ch0'], net: [{ to: 'ch0', event: { type: 'GPU_REPLAY', from: 'gpu0.mmu' } }] });
    const after = world({ ch: 'issuing', stalled: [] });
    const d: Delivery[] = [{ to: 'ch0', mode: 'post', event: { type: 'GPU_REPLAY', from: 'gpu0.mmu' } }];
    expect(stepRow(layout, 21, before, logStep('ch0<gpu0.mmu', d, after)).what).toBe('⇐ fault replay from gpu0.mmu  | ch0 released, ⇒ issuing');

    const b2 = world({ gpu0: { mmuNotifierCallbacks: 'idle', nouveauSvmFault: { nouveauSvmFault: 'faultBufferDrain' } } });
    const a2 = world({ gpu0: { mmuNotifierCallbacks: 'idle', nouveauSvmFault: 'idle' }, net: [{ to: 'ch0', event: { type: 'GPU_CANCEL', from: 'gpu0.mmu' } }] });
    const d2: Delivery[] = [
      { to: 'gpu0', mode: 'step', event: { type: 'STEP', from: 'gpu0' } },
      { to: 'gpu0.mmu', mode: 'call', event: { type: 'FAULT_CANCEL', from: 'gpu0', channel: 'ch0' } },
      { to: 'gpu0', mode: 'ret', event: { type: 'RET', from: 'gpu0.mmu', call: 'FAULT_CANCEL', result: { ok: true } } },
    ];
    const row = stepRow(layout, 22, b2, logStep('gpu0', d2, a2));
    expect(row.where).toBe('nouveau_svm_fault');
    expect(row.what).toBe('nouveau_svm_fault_cancel ch0 CANCEL_TARGETED  | post fault cancel (GPU SIGSEGV) → ch0');
  });

  it('says where a step went when it made no call and changed no data', () => {
    const before = world({ gpu0: { mmuNotifierCallbacks: 'idle', nouveauSvmFault: { atomic: 'mutexUnlock' } } });
    const after = world({ gpu0: { mmuNotifierCallbacks: 'idle', nouveauSvmFault: { atomic: 'folioUnlockPut' } } });
    const row = stepRow(layout, 3, before, logStep('gpu0', [{ to: 'gpu0', mode: 'step', event: { type: 'STEP', from: 'gpu0' } }], after));
    expect(row).toEqual({ index: 3, actor: 'gpu0', where: 'atomic', what: '⇒ atomic/folio_unlock_put' });
  });
});

describe('layout of the log', () => {
  it('aligns columns from the rows themselves', () => {
    expect(formatRows([
      { index: 0, actor: 'cpu0', where: 'access', what: 'user load buf:0 = 0' },
      { index: 12, actor: 'cpu0.child', where: 'remove_device_exclusive_entry', what: 'folio_unlock pfn=1' },
      { index: 13, actor: 'ch0', where: 'gpu', what: '' },
    ])).toEqual([
      '[   0] cpu0        access                         user load buf:0 = 0',
      '[  12] cpu0.child  remove_device_exclusive_entry  folio_unlock pfn=1',
      '[  13] ch0         gpu',
    ]);
  });

  it('numbers steps from 0, the index of their choice, and chains the worlds', () => {
    const w0 = world({ k: kernel(present) });
    const w1 = world({ k: kernel(present, folio({ data: [0, 5] })), cpuPc: 1, cpu: 'done' });
    const d: Delivery[] = [
      { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
      { to: 'mm', mode: 'call', event: { type: 'CPU_ACCESS', from: 'cpu0', mm: 0, vpn: 16, word: 1, access: 'store', value: 5 } },
      { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'CPU_ACCESS', result: { kind: 'done', value: 0 } } },
    ];
    expect(renderLog(layout, w0, [logStep('cpu0', d, w1)])).toEqual([
      '[   0] cpu0   access  user store buf:1 := 5  | buf:1 0→5, cpu0 op 1/1 done, ⇒ done',
    ]);
  });

  it('prints where each region lives', () => {
    expect(renderLayout(layout)).toEqual(['region buf: vpn 0x10..0x10 (1 page × 2 words, private-anon rw, populate write)']);
  });
});
