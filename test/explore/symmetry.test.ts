import { explore } from '../../src/explore/index.js';
import { grouped, progressBar, progressLine } from '../../src/explore/progress.js';
import { canonicalNotifier } from '../../src/explore/symmetry.js';
import type { NotifierState } from '../../src/domain/index.js';
import { builtinTarget } from './helpers.js';

const idle: NotifierState = {
  mms: [{ mm: 0, invalidateSeq: 14, activeInvalidateRanges: 0, activeRanges: [], interval: [], hlist: [{ mm: 0, driver: 'gpu0' }] }],
  nextSub: 7,
};

describe('notifier symmetry', () => {
  it('resets an unobservable seq and the next subscription id', () => {
    expect(canonicalNotifier(idle)).toEqual({ mms: [{ ...idle.mms[0], invalidateSeq: 2 }], nextSub: 0 });
  });

  it('leaves a seq alone while a subscription or an invalidation can observe it', () => {
    const sub = { id: 3, mm: 0, driver: 'gpu0', start: 16, end: 17, seq: 13 };
    const live: NotifierState = { mms: [{ ...(idle.mms[0] as NotifierState['mms'][number]), interval: [sub] }], nextSub: 4 };
    expect(canonicalNotifier(live)).toBeNull();
    const running: NotifierState = { mms: [{ ...(idle.mms[0] as NotifierState['mms'][number]), invalidateSeq: 15, activeInvalidateRanges: 1 }], nextSub: 0 };
    expect(canonicalNotifier(running)).toBeNull();
  });

  it('is already canonical at the start of a run', () => {
    expect(canonicalNotifier({ ...idle, mms: [{ ...(idle.mms[0] as NotifierState['mms'][number]), invalidateSeq: 2 }], nextSub: 0 })).toBeNull();
  });

  it.each([
    ['gpu-atomic-munmap', 'linux-6.15'],
    ['h1-zero-page', 'linux-6.15'],
    ['h1-mprotect-revoke', 'linux-6.15'],
  ])('changes no verdict, only merges states (%s on %s, finite without it)', (name, variant) => {
    const on = explore(builtinTarget(name, variant), { strategy: 'bfs' });
    const off = explore(builtinTarget(name, variant, [], { symmetry: false }), { strategy: 'bfs' });
    expect(off.verdict).toBe(on.verdict);
    expect(off.counterexample?.violation).toEqual(on.counterexample?.violation);
    expect(off.counterexample?.choices.length).toBe(on.counterexample?.choices.length);
    expect(off.states).toBeGreaterThanOrEqual(on.states);
  });

  it('is what makes a CPU↔GPU ping-pong finite', () => {
    const off = explore(builtinTarget('svm-atomic-basic', 'linux-6.15', [], { symmetry: false }), { strategy: 'bfs', maxStates: 20_000 });
    expect(off).toMatchObject({ verdict: 'incomplete', limit: 'max-states' });
    expect(explore(builtinTarget('svm-atomic-basic', 'linux-6.15'), { strategy: 'bfs' }).verdict).toBe('pass');
  });
});

describe('progress text', () => {
  const p = { states: 1_234_567, transitions: 3_000_000, depth: 42, frontier: 5_000, seconds: 10 };
  it('plain lines for logs', () => {
    expect(grouped(1234567)).toBe('1,234,567');
    expect(progressLine(p, 'states')).toBe('hmmx check: 1,234,567 states, 123,457 states/s, depth 42, frontier 5,000, 10.0 s');
    expect(progressLine(p, 'executions')).toBe('hmmx check: 1,234,567 executions, 123,457 executions/s, depth 42, 10.0 s');
  });
  it('a bar against the nearest bound on a terminal', () => {
    expect(progressBar(p, 'states', { maxStates: 2_469_134 }, 10)).toBe('[#####.....] 1,234,567 states, 123,457 states/s, depth 42, frontier 5,000, 10.0 s');
    expect(progressBar(p, 'states', { maxSeconds: 10 }, 10).startsWith('[##########]')).toBe(true);
    expect(progressBar(p, 'states', {}, 10)).toMatch(/^\[\.*#\.*\] /);
  });
});
