import type { ActorKind, ActorSnap, World } from '../domain/index.js';
import type { Invariant, Violation } from '../invariants/types.js';
import { gpuChannels, kernelState } from '../invariants/view.js';
import { actorFinished } from '../runtime/run.js';
import { stepAll, type StepId } from '../runtime/step.js';
import { expand, StepIds, type Successor } from './expand.js';
import { Fingerprinter } from './fingerprint.js';
import { StateStore } from './store.js';
import { adjacency, type Adjacency, type StateGraph } from './graph.js';
import { normaliser, type ExploreTarget } from './target.js';
import { notifierIdle } from './symmetry.js';
import type { Counterexample } from './types.js';

/**
 * gpu-progress (a): a GPU channel killed by a fault cancel while the access it stalled on was
 * one its process's VMA allows. nouveau_svm_fault cancels a fault when handling it failed
 * (nouveau_atomic_range_fault / nouveau_range_fault returned an error, e.g. -EBUSY after the
 * HMM_RANGE_DEFAULT_TIMEOUT retry loop); a cancel is only legitimate for an access the CPU
 * could not do either.
 */
export const GPU_PROGRESS_CANCEL: Invariant = {
  id: 'gpu-progress',
  title: 'a GPU access the VMA permits is never cancelled',
  kernel: 'drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svm_fault (fault cancel), nouveau_atomic_range_fault',
  step: (_ctx, before, _deliveries, after) => {
    for (let i = 0; i < after.actors.length; i++) {
      const a = after.actors[i];
      if (a === undefined || a.kind !== 'gpuChannel' || a.value !== 'killed' || before.actors[i]?.value === 'killed') continue;
      const ch = gpuChannels(after).find((c) => c.id === a.id);
      const op = ch?.program[ch.pc];
      if (ch === undefined || op === undefined) continue;
      const need = op.op === 'load' || op.op === 'prefetch' ? 'read' : 'write';
      const mm = kernelState(after).mms[0];
      if (mm === undefined || !mm.live) continue;
      const vma = mm.vmas.find((v) => v.start <= op.vpn && op.vpn < v.start + v.pages);
      if (vma === undefined || !(need === 'read' ? vma.read : vma.write)) continue;
      return (
        `${ch.id} was killed by a fault cancel (GPU SIGSEGV) at op #${ch.pc} ${op.op} vpn ${op.vpn} word ${op.word}, ` +
        `an access mm 0's VMA '${vma.region}' permits (${vma.write ? 'rw' : 'r'}): the fault should have been resolved`
      );
    }
    return null;
  },
};

/** Channel positions of a world layout. */
export function channelPositions(kinds: readonly ActorKind[]): number[] {
  const out: number[] = [];
  kinds.forEach((k, i) => {
    if (k === 'gpuChannel') out.push(i);
  });
  return out;
}

/** Bit set of the channels of `world` that have not finished (done or killed). */
export function pendingChannels(world: World, channels: readonly number[]): number {
  let m = 0;
  for (const p of channels) {
    const a = world.actors[p];
    if (a !== undefined && !actorFinished(a)) m |= 1 << p;
  }
  return m;
}

/**
 * How far a thread or channel is in its program: ops completed, and whether the first half of a
 * two-step op (a GPU atomic's read, a CPU `add`'s load) is done. Servers and drivers have none.
 */
export function progressOf(a: ActorSnap): number {
  if (a.kind !== 'cpuThread' && a.kind !== 'gpuChannel') return 0;
  const pc = a.context['pc'];
  const half = a.kind === 'gpuChannel' ? a.context['pending'] : a.context['loaded'];
  return (typeof pc === 'number' ? pc * 2 : 0) + (half !== null && half !== undefined ? 1 : 0);
}

/** The step by the actor at `actor` moved it forward in its program. */
export function isProgress(before: World, after: World, actor: number): boolean {
  const b = before.actors[actor];
  const a = after.actors[actor];
  return b !== undefined && a !== undefined && b !== a && progressOf(a) > progressOf(b);
}

/** What the liveness analysis records about a world and its enabled steps. */
export interface StateMasks {
  readonly enabled: number;
  readonly progressing: number;
  readonly pending: number;
  /** Per successor, in order: whether it is a progress step of its actor. */
  readonly progress: readonly boolean[];
}

export function stateMasks(world: World, succ: readonly Successor[], ids: StepIds, channels: readonly number[]): StateMasks {
  let enabled = 0;
  let progressing = 0;
  const progress = succ.map((s) => {
    const actor = ids.actor[s.idx] as number;
    enabled |= 1 << actor;
    const p = isProgress(world, s.outcome.world, actor);
    if (p) progressing |= 1 << actor;
    return p;
  });
  return { enabled, progressing, pending: pendingChannels(world, channels), progress };
}

/** A fair cycle in which one channel stays unfinished: the strongly connected set it lives in. */
export interface FairComponent {
  readonly channel: number;
  readonly states: readonly number[];
  /** Actors that step inside the component (each enabled actor is among them). */
  readonly stepping: number;
  /** Actors that make progress inside it (each actor that could is among them). */
  readonly progressing: number;
}

/**
 * The two fairness notions a `gpu-progress` cycle can be judged by.
 * - `transition` (the default): every step enabled infinitely often along a run is eventually
 *   taken — the fairness of a scheduler that picks among enabled steps at random, so a run can
 *   only stay forever in a set of states that no step leaves (a bottom strongly connected
 *   component of the state graph). A violation means the channel cannot finish whatever the
 *   schedule. This includes domain.md §3.2 L6's assumption ("an actor which just obtained access
 *   executes at least one operation before being revoked"), on which the kernel's progress
 *   argument for CPU↔GPU ping-pong rests.
 * - `actor`: strong fairness per actor (an actor enabled infinitely often steps infinitely often)
 *   and per thread or channel's progress (one that can complete an op infinitely often does).
 *   Weaker: it also reports ping-pong cycles that a scheduler can sustain only by always letting
 *   the other side revoke access at the worst moment.
 */
export type Fairness = 'transition' | 'actor';
export const FAIRNESS: readonly Fairness[] = ['transition', 'actor'];

export function findFairComponent(g: StateGraph, channels: readonly number[], ids: StepIds, fairness: Fairness = 'transition'): FairComponent | null {
  if (channels.length === 0 || g.states === 0) return null;
  return fairness === 'transition' ? closedComponent(g, channels, ids) : actorFairComponent(g, channels, ids);
}

/** What steps inside a set of states (`inSet[s] === token`): actors stepping, progressing, and whether any step stays inside. */
function inside(g: StateGraph, adj: Adjacency, comp: readonly number[], inSet: Int32Array, token: number, ids: StepIds) {
  let stepping = 0;
  let progressing = 0;
  let internal = false;
  let leaves = false;
  let enabled = 0;
  let couldProgress = 0;
  let pending = -1;
  for (const s of comp) {
    enabled |= g.enabled[s] as number;
    couldProgress |= g.progressing[s] as number;
    pending &= g.pending[s] as number;
    for (let k = adj.first[s] as number; k < (adj.first[s + 1] as number); k++) {
      const e = adj.order[k] as number;
      if (inSet[g.dst[e] as number] !== token) {
        leaves = true;
        continue;
      }
      internal = true;
      const bit = 1 << (ids.actor[g.step[e] as number] as number);
      stepping |= bit;
      if (g.progress[e] === 1) progressing |= bit;
    }
  }
  return { stepping, progressing, internal, leaves, enabled, couldProgress, pending };
}

/** A bottom strongly connected component with a step inside it, in which some channel stays unfinished. */
function closedComponent(g: StateGraph, channels: readonly number[], ids: StepIds): FairComponent | null {
  const adj = adjacency(g);
  const inSet = new Int32Array(g.states).fill(0);
  const all: number[] = [];
  for (let s = 0; s < g.states; s++) all.push(s);
  let token = 0;
  for (const comp of sccs(g, adj, all, inSet, 0)) {
    token++;
    for (const s of comp) inSet[s] = token;
    const c = inside(g, adj, comp, inSet, token, ids);
    if (!c.internal || c.leaves) continue;
    const ch = channels.find((p) => (c.pending & (1 << p)) !== 0);
    if (ch !== undefined) return { channel: ch, states: comp, stepping: c.stepping, progressing: c.progressing };
  }
  return null;
}

/**
 * For each channel: the strongly connected components of the states where it is unfinished; a
 * component where every actor enabled in it steps inside it, and every actor that could progress
 * in it progresses inside it, contains a fair cycle; otherwise drop the states where a starved
 * actor is enabled (or could progress) and look again inside what is left (the Emerson–Lei
 * refinement for Streett / strong-fairness conditions).
 */
function actorFairComponent(g: StateGraph, channels: readonly number[], ids: StepIds): FairComponent | null {
  const adj = adjacency(g);
  const inSet = new Int32Array(g.states).fill(-1);
  let token = 0;
  for (const ch of channels) {
    const bit = 1 << ch;
    const first: number[] = [];
    for (let s = 0; s < g.states; s++) if (((g.pending[s] as number) & bit) !== 0) first.push(s);
    const work: number[][] = first.length > 0 ? [first] : [];
    while (work.length > 0) {
      const set = work.pop() as number[];
      token++;
      for (const s of set) inSet[s] = token;
      for (const comp of sccs(g, adj, set, inSet, token)) {
        token++;
        for (const s of comp) inSet[s] = token;
        const c = inside(g, adj, comp, inSet, token, ids);
        if (!c.internal) continue;
        const starving = c.enabled & ~c.stepping;
        const stalled = c.couldProgress & ~c.progressing;
        if (starving === 0 && stalled === 0) return { channel: ch, states: comp, stepping: c.stepping, progressing: c.progressing };
        const rest = comp.filter((s) => ((g.enabled[s] as number) & starving) === 0 && ((g.progressing[s] as number) & stalled) === 0);
        if (rest.length > 0) work.push(rest);
      }
    }
  }
  return null;
}

/** Tarjan's algorithm, iterative, on the subgraph of states with `inSet[s] === token`. */
function sccs(g: StateGraph, adj: Adjacency, set: readonly number[], inSet: Int32Array, token: number): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of set) {
    if (index.has(root)) continue;
    const call: Array<{ v: number; k: number }> = [{ v: root, k: adj.first[root] as number }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (call.length > 0) {
      const top = call[call.length - 1] as { v: number; k: number };
      const v = top.v;
      if (top.k < (adj.first[v + 1] as number)) {
        const w = g.dst[adj.order[top.k++] as number] as number;
        if (inSet[w] !== token) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          call.push({ v: w, k: adj.first[w] as number });
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
        }
        continue;
      }
      call.pop();
      const parent = call[call.length - 1];
      if (parent !== undefined) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(v) as number));
      if (low.get(v) === index.get(v)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

export interface Lasso {
  /** Steps from the initial state to the cycle's first state. */
  readonly prefix: readonly StepId[];
  /** One turn of the cycle, back to that state. */
  readonly cycle: readonly StepId[];
}

/**
 * A shortest prefix to the component, then a cycle inside it that gives every actor stepping
 * in the component one step and every actor progressing in it one progress step (so every actor
 * enabled, or able to progress, along the cycle does) and returns to its start.
 */
export function lassoOf(g: StateGraph, comp: FairComponent, ids: StepIds, initial = 0): Lasso {
  const adj = adjacency(g);
  const inComp = new Uint8Array(g.states);
  for (const s of comp.states) inComp[s] = 1;
  const prefixEdges = shortestPath(g, adj, initial, (s) => inComp[s] === 1, () => true);
  if (prefixEdges === null) throw new Error('fair component not reachable from the initial state');
  const start = prefixEdges.length === 0 ? initial : (g.dst[prefixEdges[prefixEdges.length - 1] as number] as number);
  const inside = (s: number): boolean => inComp[s] === 1;
  const cycle: number[] = [];
  let cur = start;
  const visit = (a: number, progress: boolean): void => {
    const path = shortestPath(g, adj, cur, (s) => edgeOf(g, adj, s, a, ids, inside, progress) >= 0, inside);
    if (path === null) throw new Error('fair component is not strongly connected');
    cycle.push(...path);
    const at = path.length === 0 ? cur : (g.dst[path[path.length - 1] as number] as number);
    const e = edgeOf(g, adj, at, a, ids, inside, progress);
    cycle.push(e);
    cur = g.dst[e] as number;
  };
  for (let a = 0; a < 31; a++) {
    if ((comp.progressing & (1 << a)) !== 0) visit(a, true);
    else if ((comp.stepping & (1 << a)) !== 0) visit(a, false);
  }
  const back = shortestPath(g, adj, cur, (s) => s === start, inside);
  if (back === null) throw new Error('fair component is not strongly connected');
  cycle.push(...back);
  const name = (e: number): StepId => ids.name(g.step[e] as number);
  return { prefix: prefixEdges.map(name), cycle: cycle.map(name) };
}

function edgeOf(g: StateGraph, adj: Adjacency, s: number, actor: number, ids: StepIds, inside: (s: number) => boolean, progress: boolean): number {
  for (let k = adj.first[s] as number; k < (adj.first[s + 1] as number); k++) {
    const e = adj.order[k] as number;
    if (ids.actor[g.step[e] as number] === actor && inside(g.dst[e] as number) && (!progress || g.progress[e] === 1)) return e;
  }
  return -1;
}

/** Edge indices of a shortest path from `from` to a state satisfying `goal`, through states `via` allows. */
function shortestPath(g: StateGraph, adj: Adjacency, from: number, goal: (s: number) => boolean, via: (s: number) => boolean): number[] | null {
  if (goal(from)) return [];
  const prevEdge = new Map<number, number>([[from, -1]]);
  let frontier = [from];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const s of frontier) {
      for (let k = adj.first[s] as number; k < (adj.first[s + 1] as number); k++) {
        const e = adj.order[k] as number;
        const d = g.dst[e] as number;
        if (prevEdge.has(d) || !via(d)) continue;
        prevEdge.set(d, e);
        if (goal(d)) {
          const path: number[] = [];
          for (let x = d; x !== from; x = g.src[prevEdge.get(x) as number] as number) path.push(prevEdge.get(x) as number);
          return path.reverse();
        }
        next.push(d);
      }
    }
    frontier = next;
  }
  return null;
}

/** Whether the channel at `channel` can still finish from `world` (null: gave up after `limit` states). */
export function canFinish(target: ExploreTarget, world: World, channel: number, limit = 200_000): boolean | null {
  const fp = new Fingerprinter(target.steppers);
  const store = new StateStore(fp.width);
  const vec = new Uint32Array(fp.width);
  const finished = (w: World): boolean => {
    const a = w.actors[channel];
    return a === undefined || actorFinished(a);
  };
  if (finished(world)) return true;
  const norm = normaliser(target);
  const start = norm(world);
  store.add(vec, fp.encode(start, vec), -1, 0);
  const ids = new StepIds(target.steppers.index);
  let frontier = [start];
  while (frontier.length > 0) {
    const next: World[] = [];
    for (const w of frontier) {
      for (const { outcome: o } of expand(w, target.steppers, ids)) {
        if (finished(o.world)) return true;
        const w2 = norm(o.world);
        store.add(vec, fp.encode(w2, vec), -1, 0);
        if (!store.added) continue;
        if (store.size > limit) return null;
        next.push(w2);
      }
    }
    frontier = next;
  }
  return false;
}

/**
 * The same lasso with its cycle rotated to start at a world where the notifier is idle, if the
 * cycle passes one: there the canonical world (symmetry.ts) does not depend on how many
 * invalidations came before, so the real world after one turn is the start again up to
 * notifier sequence numbers, which is what a replay can check.
 */
export function rotateToIdle(target: ExploreTarget, prefix: readonly StepId[], cycle: readonly StepId[]): Lasso {
  let world = enabledOrThrow(stepAll(target.initial, target.steppers, prefix));
  for (let i = 0; i < cycle.length; i++) {
    if (notifierIdle(world)) return { prefix: [...prefix, ...cycle.slice(0, i)], cycle: [...cycle.slice(i), ...cycle.slice(0, i)] };
    world = enabledOrThrow(stepAll(world, target.steppers, [cycle[i] as StepId]));
  }
  return { prefix, cycle };
}

/**
 * The `gpu-progress` violation a lasso stands for, computed from the lasso alone (so a replay of
 * the trace gives the same message), or a string saying why it is not one: the cycle must return
 * to the world it starts from (up to the symmetry reduction), keep a channel unfinished all
 * along, and be fair — per `fairness` (see `Fairness`).
 */
export function lassoViolation(target: ExploreTarget, prefix: readonly StepId[], cycle: readonly StepId[], fairness: Fairness): Violation | string {
  if (cycle.length === 0) return 'the cycle is empty';
  const p = stepAll(target.initial, target.steppers, prefix);
  if (p.stuck !== undefined) return `prefix step '${p.stuck}' is not enabled`;
  let world = p.world;
  const start = world;
  const channels = channelPositions(target.kinds);
  const ids = new StepIds(target.steppers.index);
  let pending = pendingChannels(world, channels);
  let enabled = 0;
  let couldProgress = 0;
  let stepped = 0;
  let progressed = 0;
  for (const c of cycle) {
    const succ = expand(world, target.steppers, ids);
    const m = stateMasks(world, succ, ids, channels);
    enabled |= m.enabled;
    couldProgress |= m.progressing;
    pending &= m.pending;
    const k = succ.findIndex((x) => ids.name(x.idx) === c);
    const s = succ[k];
    if (s === undefined) return `cycle step '${c}' is not enabled`;
    const bit = 1 << (ids.actor[s.idx] as number);
    stepped |= bit;
    if (m.progress[k] === true) progressed |= bit;
    world = s.outcome.world;
  }
  const fp = new Fingerprinter(target.steppers);
  const norm = normaliser(target);
  const a = new Uint32Array(fp.width);
  const b = new Uint32Array(fp.width);
  fp.encode(norm(start), a);
  fp.encode(norm(world), b);
  if (!a.every((x, i) => x === b[i])) return 'the cycle does not return to the world it starts from';
  const names = target.initial.actors.filter((_x, i) => (stepped & (1 << i)) !== 0).map((x) => x.id);
  for (const ch of channels) {
    if ((pending & (1 << ch)) === 0) continue;
    if (fairness === 'actor') {
      if ((enabled & ~stepped) !== 0 || (couldProgress & ~progressed) !== 0) return 'the cycle is not fair to every actor';
      return fairCycleViolation(start, ch, cycle.length, names, fairness);
    }
    if (canFinish(target, start, ch) === false) return fairCycleViolation(start, ch, cycle.length, names, fairness);
  }
  return 'every channel unfinished along the cycle can still finish';
}

/** The violation a fair non-finishing cycle is reported as. */
export function fairCycleViolation(world: World, channel: number, cycleLength: number, stepping: readonly string[], fairness: Fairness): Violation {
  const ch = world.actors[channel];
  const view = gpuChannels(world).find((c) => c.id === ch?.id);
  const op = view?.program[view.pc];
  const where = op === undefined ? '' : ` at op #${view?.pc} ${op.op} vpn ${op.vpn}`;
  const id = ch?.id ?? `actor #${channel}`;
  const message =
    fairness === 'transition'
      ? `${id} can never finish: from here no schedule gets it out of ${JSON.stringify(ch?.value)}${where}; ` +
        `this ${cycleLength}-step cycle (${stepping.join(', ')} step) repeats forever`
      : `${id} never finishes: a ${cycleLength}-step cycle, fair to every actor enabled on it ` +
        `(${stepping.join(', ')} all step, and every thread or channel that could complete an op does), ` +
        `keeps it ${JSON.stringify(ch?.value)}${where} forever`;
  return { invariant: 'gpu-progress', message };
}

/** gpu-progress (b) over a completely explored graph: a lasso counterexample, or null. */
export function livenessOf(target: ExploreTarget, graph: StateGraph, ids: StepIds, channels: readonly number[]): Counterexample | null {
  const comp = findFairComponent(graph, channels, ids, target.fairness);
  if (comp === null) return null;
  const found = lassoOf(graph, comp, ids);
  const lasso = rotateToIdle(target, found.prefix, found.cycle);
  const v = lassoViolation(target, lasso.prefix, lasso.cycle, target.fairness);
  if (typeof v === 'string') throw new Error(`internal: the lasso of a fair component does not check: ${v}`);
  return { violation: v, choices: [...lasso.prefix, ...lasso.cycle], cycleStart: lasso.prefix.length, fairness: target.fairness };
}

function enabledOrThrow(r: ReturnType<typeof stepAll>): World {
  if (r.stuck !== undefined) throw new Error(`lasso step '${r.stuck}' is not enabled on replay`);
  return r.world;
}
