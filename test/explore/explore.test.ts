import { explore } from '../../src/explore/index.js';
import { replayViolation } from '../../src/explore/shrink.js';
import type { ExploreOptions } from '../../src/explore/types.js';
import type { Invariant } from '../../src/invariants/types.js';
import { step } from '../../src/runtime/step.js';
import { channelOf, counterOf, lockerOf, server, spinnerOf, toyTarget } from './toys.js';

const bfs: ExploreOptions = { strategy: 'bfs' };
const dfs: ExploreOptions = { strategy: 'dfs' };
const dfsFull: ExploreOptions = { strategy: 'dfs', reduction: false };

/** Σ counters < limit, as a state property. */
const sumBelow = (limit: number): Invariant => ({
  id: 'toy-sum',
  title: 'sum of counters stays below a limit',
  kernel: 'none (toy)',
  state: (_ctx, w) => {
    const sum = w.actors.reduce((s, a) => s + (typeof a.context['n'] === 'number' ? (a.context['n'] as number) : 0), 0);
    return sum >= limit ? `sum ${sum} reached ${limit}` : null;
  },
});

describe('stateful exploration of independent actors', () => {
  const target = () => toyTarget([counterOf('a', 2), counterOf('b', 2), counterOf('c', 2)]);

  it('bfs visits every combination of counter values once: 3^3 states, 3·2·9 transitions', () => {
    const r = explore(target(), bfs);
    expect(r).toMatchObject({ verdict: 'pass', unit: 'states', states: 27, transitions: 54, depth: 6 });
  });

  it('dfs without reduction visits the same states and transitions as bfs', () => {
    expect(explore(target(), dfsFull)).toMatchObject({ verdict: 'pass', states: 27, transitions: 54 });
  });

  it('dfs with sleep sets visits every state but prunes the commuting transitions', () => {
    const r = explore(target(), dfs);
    expect(r.verdict).toBe('pass');
    expect(r.states).toBe(27);
    // Fully independent actors: every state is entered exactly once.
    expect(r.transitions).toBe(26);
  });

  it('keeps every state apart through the store\'s growth and rehashing (exact, not hashed)', () => {
    const r = explore(toyTarget([counterOf('a', 40), counterOf('b', 40), counterOf('c', 40)]), bfs);
    expect(r.states).toBe(41 ** 3);
    expect(r.transitions).toBe(3 * 40 * 41 * 41);
  });
});

describe('counterexamples', () => {
  it('bfs finds the shortest path to a violated state property', () => {
    const r = explore(toyTarget([counterOf('a', 2), counterOf('b', 2)], { invariants: [sumBelow(3)] }), bfs);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.violation).toEqual({ invariant: 'toy-sum', message: 'sum 3 reached 3' });
    expect(r.counterexample?.choices).toHaveLength(3);
  });

  it('finds the lock-order deadlock in two steps with bfs, and dfs shrinks to the same length', () => {
    const t = toyTarget([server(), lockerOf('a', [1, 2]), lockerOf('b', [2, 1])]);
    const b = explore(t, bfs);
    expect(b.verdict).toBe('violation');
    expect(b.counterexample?.violation.invariant).toBe('deadlock');
    expect(b.counterexample?.choices).toEqual(['a', 'b']);
    const d = explore(t, dfs);
    expect(d.verdict).toBe('violation');
    expect(d.counterexample?.violation.invariant).toBe('deadlock');
    expect(d.counterexample?.choices).toHaveLength(2);
    expect(replayViolation(t, d.counterexample?.choices ?? [])?.violation.invariant).toBe('deadlock');
  });

  it('passes when both lockers take the locks in the same order, with equal state counts', () => {
    const t = toyTarget([server(), lockerOf('a', [1, 2]), lockerOf('b', [1, 2])]);
    const b = explore(t, bfs);
    expect(b.verdict).toBe('pass');
    expect(explore(t, dfs)).toMatchObject({ verdict: 'pass', states: b.states });
    expect(explore(t, dfsFull)).toMatchObject({ verdict: 'pass', states: b.states, transitions: b.transitions });
  });

  it('random and pct find the deadlock, and the same seed gives the same result', () => {
    const t = () => toyTarget([server(), lockerOf('a', [1, 2]), lockerOf('b', [2, 1])]);
    for (const strategy of ['random', 'pct'] as const) {
      const r1 = explore(t(), { strategy, seed: 4 });
      const r2 = explore(t(), { strategy, seed: 4 });
      expect(r1.verdict).toBe('violation');
      expect(r1.unit).toBe('executions');
      expect(r2).toEqual(r1);
      expect(r1.counterexample?.choices).toHaveLength(2);
    }
  });
});

describe('bounds', () => {
  const t = () => toyTarget([counterOf('a', 2), counterOf('b', 2), counterOf('c', 2)]);
  it('max-states stops with incomplete', () => {
    expect(explore(t(), { strategy: 'bfs', maxStates: 5 })).toMatchObject({ verdict: 'incomplete', limit: 'max-states' });
    expect(explore(t(), { strategy: 'dfs', maxStates: 5 })).toMatchObject({ verdict: 'incomplete', limit: 'max-states' });
  });
  it('a state space within max-states passes', () => {
    expect(explore(t(), { strategy: 'bfs', maxStates: 27 })).toMatchObject({ verdict: 'pass', states: 27 });
  });
  it('max-depth stops with incomplete', () => {
    expect(explore(t(), { strategy: 'bfs', maxDepth: 2 })).toMatchObject({ verdict: 'incomplete', limit: 'max-depth' });
    expect(explore(t(), { strategy: 'dfs', maxDepth: 2 })).toMatchObject({ verdict: 'incomplete', limit: 'max-depth' });
  });
  it('max-seconds stops with incomplete (clock from the caller)', () => {
    let now = 0;
    const clock = (): number => (now += 100);
    const r = explore(toyTarget([counterOf('a', 30), counterOf('b', 30), counterOf('c', 30)]), { strategy: 'bfs', maxSeconds: 1, clock });
    expect(r).toMatchObject({ verdict: 'incomplete', limit: 'max-seconds' });
  });
});

describe('liveness: fair cycles that starve a GPU channel', () => {
  it('reports a lasso when the channel waits forever while another actor spins', () => {
    const t = toyTarget([spinnerOf('cpu0'), channelOf('ch0')], { liveness: true, deadlock: false });
    for (const o of [bfs, dfs]) {
      const r = explore(t, o);
      expect(r.verdict).toBe('violation');
      const cx = r.counterexample;
      expect(cx?.violation.invariant).toBe('gpu-progress');
      expect(cx?.violation.message).toBe('ch0 can never finish: from here no schedule gets it out of "stalled"; this 2-step cycle (cpu0 step) repeats forever');
      expect(cx?.cycleStart).toBe(0);
      expect(cx?.choices).toEqual(['cpu0', 'cpu0']);
    }
  });

  it('under per-actor fairness the same cycle is reported in those terms', () => {
    const t = toyTarget([spinnerOf('cpu0'), channelOf('ch0')], { liveness: true, deadlock: false, fairness: 'actor' });
    const r = explore(t, bfs);
    expect(r.counterexample?.violation.message).toMatch(/^ch0 never finishes: a 2-step cycle, fair to every actor enabled on it \(cpu0 all step/);
  });

  it('the cycle returns to the world it started from', () => {
    const t = toyTarget([spinnerOf('cpu0'), channelOf('ch0')], { liveness: true, deadlock: false });
    const cx = explore(t, bfs).counterexample;
    let w = t.initial;
    for (const c of cx?.choices ?? []) w = step(w, t.steppers, c)?.world ?? w;
    expect(JSON.stringify(w)).toBe(JSON.stringify(t.initial));
  });

  it('a cycle in which the channel could step but never does is unfair: no violation', () => {
    const t = toyTarget([spinnerOf('cpu0'), channelOf('ch0', true)], { liveness: true, deadlock: false });
    expect(explore(t, bfs)).toMatchObject({ verdict: 'pass', states: 4 });
    expect(explore(t, dfs)).toMatchObject({ verdict: 'pass', states: 4 });
  });

  it('a channel woken by a pending message must be let run: no violation', () => {
    const t = toyTarget([spinnerOf('cpu0', 'ch0'), channelOf('ch0')], { liveness: true, deadlock: false });
    expect(explore(t, bfs).verdict).toBe('pass');
  });

  it('random walks find the lasso too', () => {
    const t = toyTarget([spinnerOf('cpu0'), channelOf('ch0')], { liveness: true, deadlock: false });
    const r = explore(t, { strategy: 'random', seed: 1 });
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.cycleStart).toBe(0);
    expect(r.counterexample?.choices).toEqual(['cpu0', 'cpu0']);
  });
});
