import { retEnv, type ActorSnap, type CallEvent, type KernelState } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { createKernelMmMachine } from '../../machines/kernelMm.machine.js';
import { E1, E2, kernel } from '../mm/fixtures.js';

const V = 16;

function setup(flags = E2, k: KernelState = kernel()) {
  const stepper = new MachineStepper('kernelMm', createKernelMmMachine(flags));
  return { stepper, snap: stepper.initial('mm', { self: 'mm', kernel: k }) };
}

function kOf(s: ActorSnap): KernelState {
  return s.context['k'] as KernelState;
}

/** Delivers a call that must be accepted; returns the next state and the single RET's result. */
function call(stepper: MachineStepper, snap: ActorSnap, e: CallEvent): { snap: ActorSnap; result: unknown } {
  const r = stepper.transition(snap, e);
  if (r === null) throw new Error(`${e.type} refused`);
  expect(r.out).toHaveLength(1);
  const env = r.out[0];
  if (env?.mode !== 'ret' || env.to !== e.from || env.event.call !== e.type) throw new Error(`bad answer to ${e.type}: ${JSON.stringify(env)}`);
  expect(r.next.context.out).toEqual([]);
  return { snap: r.next, result: env.event.result };
}

describe('kernelMm machine', () => {
  it('answers a CPU access with one RET to the caller', () => {
    const { stepper, snap } = setup();
    const r = stepper.transition(snap, { type: 'CPU_ACCESS', from: 'cpu0', mm: 0, vpn: V, word: 1, access: 'load', value: 0 });
    expect(r?.out).toEqual([retEnv('cpu0', 'mm', 'CPU_ACCESS', { kind: 'done', value: 2 })]);
    expect(r?.next.value).toBe('serving');
  });

  it('refuses (returns null for) a call that must sleep: mmap_lock and folio lock held', () => {
    const { stepper, snap } = setup();
    const w = call(stepper, snap, { type: 'MMAP_WRITE_LOCK', from: 'cpu0', mm: 0 }).snap;
    expect(kOf(w).mms[0]?.mmapLock).toEqual({ readers: [], writer: 'cpu0' });
    expect(stepper.transition(w, { type: 'MMAP_READ_LOCK', from: 'gpu0', mm: 0 })).toBeNull();
    const l = call(stepper, snap, { type: 'FOLIO_LOCK', from: 'gpu0', pfn: 1 }).snap;
    expect(stepper.transition(l, { type: 'FOLIO_LOCK', from: 'cpu0', pfn: 1 })).toBeNull();
    expect(stepper.transition(l, { type: 'FOLIO_WAIT_UNLOCKED', from: 'cpu0', pfn: 1 })).toBeNull();
    expect(call(stepper, l, { type: 'FOLIO_TRYLOCK', from: 'cpu0', pfn: 1 }).result).toEqual({ ok: false });
  });

  it('ignores events that are not mm calls', () => {
    const { stepper, snap } = setup();
    expect(stepper.transition(snap, { type: 'STEP', from: 'mm' })).toBeNull();
    expect(stepper.transition(snap, { type: 'PFNCLR', from: 'gpu0', start: 0, end: 1 })).toBeNull();
    expect(stepper.transition(snap, { type: 'INVALIDATE_RANGE_END', from: 'cpu0', range: { mm: 0, start: 0, end: 1, event: 'MMU_NOTIFY_CLEAR', owner: null, blockable: true } })).toBeNull();
  });

  it('throws on model bugs instead of answering', () => {
    const { stepper, snap } = setup();
    expect(() => stepper.transition(snap, { type: 'FOLIO_UNLOCK', from: 'cpu0', pfn: 1 })).toThrow(/nobody holds/);
    expect(() => stepper.transition(snap, { type: 'DMA_READ', from: 'gpu0.mmu', pfn: 42, word: 0 })).toThrow(/unknown pfn 42/);
  });

  it('6.15: conversion by a driver, then a CPU touch restores the PTE (mapcount kept, folio ref taken and dropped)', () => {
    const { stepper, snap } = setup();
    let s = snap;
    const step = (e: CallEvent): unknown => {
      const r = call(stepper, s, e);
      s = r.snap;
      return r.result;
    };
    // nouveau_atomic_range_fault → make_device_exclusive
    expect(step({ type: 'MMAP_READ_LOCK', from: 'gpu0', mm: 0 })).toEqual({ ok: true });
    expect(step({ type: 'GUP_FOLLOW_PAGE', from: 'gpu0', mm: 0, vpn: V, write: true })).toEqual({ kind: 'page', pfn: 1, anon: true });
    expect(step({ type: 'FOLIO_LOCK', from: 'gpu0', pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'MAKE_DEVICE_EXCLUSIVE_CONVERT', from: 'gpu0', mm: 0, vpn: V, pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'MMAP_READ_UNLOCK', from: 'gpu0', mm: 0 })).toEqual({ ok: true });
    expect(kOf(s).folios[1]).toMatchObject({ refcount: 2, mapcount: 1, locked: 'gpu0' });
    // The CPU faults; while the driver holds the folio lock the restore cannot start.
    expect(step({ type: 'CPU_ACCESS', from: 'cpu0', mm: 0, vpn: V, word: 0, access: 'store', value: 7 })).toEqual({ kind: 'fault', write: true });
    const fault = step({ type: 'HANDLE_MM_FAULT', from: 'cpu0', mm: 0, vpn: V, write: true }) as { action: string; orig: never };
    expect(fault.action).toBe('do_swap_page');
    expect(step({ type: 'FOLIO_TRY_GET', from: 'cpu0', pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'FOLIO_LOCK_OR_RETRY', from: 'cpu0', pfn: 1 })).toEqual({ result: 'wait' });
    expect(stepper.transition(s, { type: 'FOLIO_WAIT_UNLOCKED', from: 'cpu0', pfn: 1 })).toBeNull();
    expect(step({ type: 'FOLIO_UNLOCK_PUT', from: 'gpu0', pfn: 1 })).toEqual({ freed: false });
    expect(step({ type: 'FOLIO_WAIT_UNLOCKED', from: 'cpu0', pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'FOLIO_LOCK_OR_RETRY', from: 'cpu0', pfn: 1 })).toEqual({ result: 'locked' });
    expect(step({ type: 'RESTORE_EXCLUSIVE_PTE', from: 'cpu0', mm: 0, vpn: V, orig: fault.orig, pfn: 1 })).toEqual({ restored: true });
    expect(step({ type: 'FOLIO_UNLOCK_PUT', from: 'cpu0', pfn: 1 })).toEqual({ freed: false });
    expect(step({ type: 'CPU_ACCESS', from: 'cpu0', mm: 0, vpn: V, word: 0, access: 'store', value: 7 })).toEqual({ kind: 'done', value: 7 });
    expect(kOf(s).folios[1]).toMatchObject({ refcount: 1, mapcount: 1, locked: null, waiters: [], data: [7, 2] });
    expect(kOf(s).mms[0]?.ptes[String(V)]).toEqual({ kind: 'present', pfn: 1, write: true, dirty: true, young: true, softDirty: true, uffdWp: false });
  });

  it('5.14: the same conversion drops the mapcount, the restore re-adds it', () => {
    const { stepper, snap } = setup(E1);
    let s = snap;
    const step = (e: CallEvent): unknown => {
      const r = call(stepper, s, e);
      s = r.snap;
      return r.result;
    };
    expect(step({ type: 'GUP_FOLLOW_PAGE', from: 'gpu0', mm: 0, vpn: V, write: true })).toMatchObject({ kind: 'page', pfn: 1 });
    expect(step({ type: 'FOLIO_TRYLOCK', from: 'gpu0', pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'PAGE_MAKE_DEVICE_EXCLUSIVE_ONE', from: 'gpu0', mm: 0, vpn: V, pfn: 1 })).toEqual({ ok: true });
    expect(step({ type: 'FOLIO_UNLOCK_PUT', from: 'gpu0', pfn: 1 })).toEqual({ freed: false });
    expect(kOf(s).folios[1]).toMatchObject({ refcount: 1, mapcount: 0 });
    const orig = kOf(s).mms[0]?.ptes[String(V)];
    expect(orig).toEqual({ kind: 'devExcl', pfn: 1, writable: true, softDirty: true, uffdWp: false });
    // 5.14 locks without a reference (E1a).
    expect(step({ type: 'FOLIO_LOCK_OR_RETRY', from: 'cpu0', pfn: 1 })).toEqual({ result: 'locked' });
    expect(step({ type: 'RESTORE_EXCLUSIVE_PTE', from: 'cpu0', mm: 0, vpn: V, orig: orig as never, pfn: 1 })).toEqual({ restored: true });
    expect(step({ type: 'FOLIO_UNLOCK', from: 'cpu0', pfn: 1 })).toEqual({ ok: true });
    expect(kOf(s).folios[1]).toMatchObject({ refcount: 1, mapcount: 1 });
  });

  it('fork with a locked device-exclusive folio fails, then succeeds once unlocked', () => {
    const { stepper, snap } = setup();
    let s = snap;
    const step = (e: CallEvent): unknown => {
      const r = call(stepper, s, e);
      s = r.snap;
      return r.result;
    };
    step({ type: 'FOLIO_LOCK', from: 'gpu0', pfn: 1 });
    step({ type: 'MAKE_DEVICE_EXCLUSIVE_CONVERT', from: 'gpu0', mm: 0, vpn: V, pfn: 1 });
    expect(step({ type: 'COPY_PAGE_RANGE', from: 'cpu0', mm: 0 })).toEqual({ ret: '-ENOMEM' });
    expect(kOf(s).mms).toHaveLength(1);
    step({ type: 'FOLIO_UNLOCK', from: 'gpu0', pfn: 1 });
    expect(step({ type: 'COPY_PAGE_RANGE', from: 'cpu0', mm: 0 })).toEqual({ ret: '0', child: 1 });
    expect(kOf(s).mms[1]?.ptes[String(V)]).toMatchObject({ kind: 'present', pfn: 1 });
  });

  it('interns equal kernel states to one snapshot', () => {
    const { stepper, snap } = setup();
    const a = stepper.transition(snap, { type: 'MMAP_READ_LOCK', from: 'cpu0', mm: 0 });
    const b = a === null ? null : stepper.transition(a.next, { type: 'MMAP_READ_UNLOCK', from: 'cpu0', mm: 0 });
    expect(b?.next).toBe(snap);
  });
});
