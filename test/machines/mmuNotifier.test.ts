import { retEnv, type ActorSnap, type CallEvent, type NotifierState } from '../../src/domain/index.js';
import { initNotifierState, mmuNotifierRangeInit } from '../../src/mm/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import { createMmuNotifierMachine } from '../../machines/mmuNotifier.machine.js';
import { E2 } from '../mm/fixtures.js';

const range = mmuNotifierRangeInit('MMU_NOTIFY_CLEAR', 0, 16, 17);

function setup() {
  const stepper = new MachineStepper('mmuNotifier', createMmuNotifierMachine(E2));
  const notifier = initNotifierState(1, [{ mm: 0, driver: 'gpu0' }], []);
  return { stepper, snap: stepper.initial('mmu', { self: 'mmu', notifier }) };
}

function nOf(s: ActorSnap): NotifierState {
  return s.context['n'] as NotifierState;
}

function call(stepper: MachineStepper, snap: ActorSnap, e: CallEvent): { snap: ActorSnap; result: unknown } {
  const r = stepper.transition(snap, e);
  if (r === null) throw new Error(`${e.type} refused`);
  expect(r.out).toHaveLength(1);
  const env = r.out[0];
  if (env?.mode !== 'ret' || env.to !== e.from || env.event.call !== e.type) throw new Error(`bad answer to ${e.type}`);
  return { snap: r.next, result: env.event.result };
}

describe('mmuNotifier machine', () => {
  it('registers an interval sub for the calling driver', () => {
    const { stepper, snap } = setup();
    const r = stepper.transition(snap, { type: 'MMU_INTERVAL_NOTIFIER_INSERT', from: 'gpu0', mm: 0, start: 16, end: 17 });
    expect(r?.out).toEqual([retEnv('gpu0', 'mmu', 'MMU_INTERVAL_NOTIFIER_INSERT', { sub: 0 })]);
    expect(nOf(r?.next as ActorSnap).mms[0]?.interval).toEqual([{ id: 0, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 1 }]);
  });

  it('runs the collision-retry protocol: read_begin blocks during an overlapping invalidation', () => {
    const { stepper, snap } = setup();
    let s = snap;
    const step = (e: CallEvent): unknown => {
      const r = call(stepper, s, e);
      s = r.snap;
      return r.result;
    };
    expect(step({ type: 'MMU_INTERVAL_NOTIFIER_INSERT', from: 'gpu0', mm: 0, start: 16, end: 17 })).toEqual({ sub: 0 });
    expect(step({ type: 'MMU_INTERVAL_READ_BEGIN', from: 'gpu0', sub: 0 })).toEqual({ seq: 1 });
    expect(step({ type: 'INVALIDATE_RANGE_START', from: 'cpu0', range })).toEqual({
      targets: [{ kind: 'interval', sub: 0, driver: 'gpu0' }, { kind: 'hlist', driver: 'gpu0' }],
      curSeq: 3,
    });
    expect(step({ type: 'MMU_INTERVAL_SET_SEQ', from: 'gpu0', sub: 0, seq: 3 })).toEqual({ ok: true });
    expect(stepper.transition(s, { type: 'MMU_INTERVAL_READ_BEGIN', from: 'gpu0', sub: 0 })).toBeNull();
    expect(stepper.transition(s, { type: 'MMU_INTERVAL_NOTIFIER_REMOVE', from: 'gpu0', sub: 0 })).toBeNull();
    expect(step({ type: 'MMU_INTERVAL_READ_RETRY', from: 'gpu0', sub: 0, seq: 1 })).toEqual({ retry: true });
    expect(step({ type: 'INVALIDATE_RANGE_END', from: 'cpu0', range })).toEqual({ ok: true });
    expect(nOf(s).mms[0]).toMatchObject({ invalidateSeq: 4, activeInvalidateRanges: 0, activeRanges: [] });
    expect(step({ type: 'MMU_INTERVAL_READ_BEGIN', from: 'gpu0', sub: 0 })).toEqual({ seq: 3 });
    expect(step({ type: 'MMU_INTERVAL_READ_RETRY', from: 'gpu0', sub: 0, seq: 3 })).toEqual({ retry: false });
    expect(step({ type: 'MMU_INTERVAL_NOTIFIER_REMOVE', from: 'gpu0', sub: 0 })).toEqual({ ok: true });
    expect(nOf(s).mms[0]?.interval).toEqual([]);
  });

  it('refuses calls meant for other actors and throws on an unmatched end', () => {
    const { stepper, snap } = setup();
    expect(stepper.transition(snap, { type: 'FOLIO_LOCK', from: 'cpu0', pfn: 1 })).toBeNull();
    expect(stepper.transition(snap, { type: 'STEP', from: 'mmu' })).toBeNull();
    expect(() => stepper.transition(snap, { type: 'INVALIDATE_RANGE_END', from: 'cpu0', range })).toThrow(/without a matching start/);
  });
});
