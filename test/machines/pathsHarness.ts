import { setup } from 'xstate';
import type { ActorSnap, CallType, Envelope, Flags, ModelEvent, ResultOf } from '../../src/domain/index.js';
import { MachineStepper } from '../../src/runtime/xstateStep.js';
import {
  after,
  faultFrame,
  gup,
  handleMmFault,
  hmmRangeFault,
  hrfFrame,
  gupFrame,
  makeDeviceExclusive,
  mdeFrame,
  NO_FRAMES,
  type TaskContext,
} from '../../machines/paths/index.js';

/** A host task that runs one path and parks in `finished`, to test the paths with hand-written RETs. */
export type HostPath = 'fault' | 'faultNoRetry' | 'gup' | 'mde' | 'hrf';
interface HostCtx extends TaskContext {
  readonly result: unknown;
}

export function hostMachine(flags: Flags, path: HostPath) {
  const embedded = (() => {
    switch (path) {
      case 'fault':
        return { ...handleMmFault<HostCtx>(flags, { allowRetry: true }), onDone: after<HostCtx>({ target: 'finished', update: (c) => ({ result: c.fault?.result, fault: null }) }) };
      case 'faultNoRetry':
        return { ...handleMmFault<HostCtx>(flags, { allowRetry: false }), onDone: after<HostCtx>({ target: 'finished', update: (c) => ({ result: c.fault?.result, fault: null }) }) };
      case 'gup':
        return { ...gup<HostCtx>(flags), onDone: after<HostCtx>({ target: 'finished', update: (c) => ({ result: c.gup?.result, gup: null }) }) };
      case 'mde':
        return { ...makeDeviceExclusive<HostCtx>(flags), onDone: after<HostCtx>({ target: 'finished', update: (c) => ({ result: c.mde?.result, mde: null }) }) };
      case 'hrf':
        return { ...hmmRangeFault<HostCtx>(flags), onDone: after<HostCtx>({ target: 'finished', update: (c) => ({ result: c.hrf?.result, hrf: null }) }) };
    }
  })();
  const frames: Partial<TaskContext> = {
    fault: path === 'fault' || path === 'faultNoRetry' ? faultFrame({ mm: 0, vpn: 16, write: true }) : null,
    gup: path === 'gup' ? gupFrame({ mm: 0, vpn: 16 }) : null,
    mde: path === 'mde' ? mdeFrame({ mm: 0, vpn: 16, owner: 'gpu0' }) : null,
    hrf: path === 'hrf' ? hrfFrame({ mm: 0, vpn: 16, fault: true, write: false, sub: 1, seq: 3 }) : null,
  };
  return setup({ types: { context: {} as HostCtx, events: {} as ModelEvent, input: {} as { self: string } } }).createMachine({
    context: ({ input }) => ({ self: input.self, out: [], ...NO_FRAMES, ...frames, result: null }),
    initial: 'path',
    states: { path: embedded, finished: {} },
  });
}

/** Drives one actor alone: every CALL it makes is answered by the script. */
export class Driver {
  snap: ActorSnap;
  readonly calls: string[] = [];
  constructor(readonly stepper: MachineStepper, id: string) {
    this.snap = stepper.initial(id, { self: id });
  }
  /** STEP: the actor must issue exactly one CALL of `type` to `to`; returns its event. */
  step<K extends CallType>(to: string, type: K): Envelope['event'] {
    const r = this.stepper.transition(this.snap, { type: 'STEP', from: this.snap.id });
    if (r === null) throw new Error(`STEP not accepted in ${JSON.stringify(this.snap.value)}`);
    const [env, ...rest] = r.out;
    if (env === undefined || rest.length > 0 || env.mode !== 'call') throw new Error(`expected one call, got ${JSON.stringify(r.out)}`);
    if (env.to !== to || env.event.type !== type) throw new Error(`expected ${type} to ${to}, got ${env.event.type} to ${env.to} in ${JSON.stringify(this.snap.value)}`);
    this.snap = r.next;
    this.calls.push(type);
    return env.event;
  }
  ret<K extends CallType>(from: string, call: K, result: ResultOf<K>): readonly Envelope[] {
    const r = this.stepper.transition(this.snap, { type: 'RET', from, call, result } as ModelEvent);
    if (r === null) throw new Error(`RET ${call} not accepted in ${JSON.stringify(this.snap.value)}`);
    this.snap = r.next;
    return r.out;
  }
  /** STEP + RET in one go. */
  call<K extends CallType>(to: string, type: K, result: ResultOf<K>): Envelope['event'] {
    const e = this.step(to, type);
    this.ret(to, type, result);
    return e;
  }
  get value(): unknown {
    return this.snap.value;
  }
  get ctx(): Readonly<Record<string, unknown>> {
    return this.snap.context;
  }
}
