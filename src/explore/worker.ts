import { workerData, type MessagePort } from 'node:worker_threads';
import type { World } from '../domain/index.js';
import { buildModel } from '../runtime/build.js';
import { expand, StepIds } from './expand.js';
import { Fingerprinter, vectorHash } from './fingerprint.js';
import { channelPositions, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { GlobalIds } from './globalIds.js';
import { StateGraph } from './graph.js';
import { BatchReader, candidateOrder, emptyBatch, globalId, localId, Outbox, ownerOf, partitionPosition } from './exchange.js';
import type { Batch, Candidate, CandidateKey, FromWorker, ToWorker, WorkerSetup } from './protocol.js';
import { SharedIntern, type InternBuffers } from './sharedTables.js';
import { StateStore } from './store.js';
import { normaliser, targetOf, type ExploreTarget } from './target.js';
import { execution, walkContext } from './walk.js';

/** What the main thread hands each worker (parallel.ts). */
export interface WorkerData {
  readonly setup: WorkerSetup;
  readonly index: number;
  readonly workers: number;
  readonly main: MessagePort;
  /** [0]: bumped after every message to the main thread; [1]: stop (time is up); [2]: first violating execution. */
  readonly shared: SharedArrayBuffer;
  /** The intern tables of a parallel bfs (sharedTables.ts); null for random and pct walks. */
  readonly tables: { readonly content: InternBuffers; readonly steps: InternBuffers } | null;
}

/**
 * One worker of a parallel breadth-first search (parallel.ts). It owns the states whose kernel mm
 * state falls to it (exchange.ts) and keeps them in a store of its own, in its own fingerprint
 * ids as one-worker bfs does (globalIds.ts translates what it sends and receives). Each level it
 * inserts the states of the level's depth other workers sent it, then expands its states of that
 * depth: a successor it owns goes into its store, any other into the owner's outbox. It checks
 * the state properties of the states it inserted and the step properties of its steps.
 */
class BfsWorker {
  readonly target: ExploreTarget;
  private readonly fp: Fingerprinter;
  private readonly store: StateStore;
  private readonly ids: StepIds;
  private readonly global: GlobalIds;
  private readonly stepNames: SharedIntern;
  /** Global step id → this worker's step index (steps of edges other workers sent). */
  private readonly localSteps: number[] = [];
  private readonly norm: (w: World) => World;
  private readonly vec: Uint32Array;
  /** A vector in global ids, as it travels between workers. */
  private readonly wire: Uint32Array;
  private readonly unpacked: Uint32Array;
  private readonly channels: readonly number[];
  private readonly outboxes: (Outbox | null)[];
  /** Own store ids of the states to expand at the next level. */
  private frontier: number[] = [];
  private candidates: Candidate[] = [];
  /** The first in report order (`wanted`) of every candidate found so far, here or (absorb) by any worker. */
  private best: CandidateKey | null = null;
  private cut = false;
  private stopped = false;
  private readonly graph: StateGraph | null;
  private readonly expanded: number[] = [];
  private readonly me: number;
  private readonly n: number;

  constructor(d: WorkerData, tables: NonNullable<WorkerData['tables']>, private readonly flags: Int32Array) {
    const model = buildModel(d.setup.scenario, { variant: d.setup.variant, mutations: d.setup.mutations });
    this.target = targetOf(model, d.setup.target);
    this.me = d.index;
    this.n = d.workers;
    this.fp = new Fingerprinter(this.target.steppers);
    this.store = new StateStore(this.fp.width);
    this.ids = new StepIds(this.target.steppers.index);
    this.stepNames = new SharedIntern(tables.steps);
    const actorIds = this.target.initial.actors.map((a) => a.id);
    this.global = new GlobalIds(this.fp, new SharedIntern(tables.content), this.stepNames, this.ids, actorIds, partitionPosition(this.target.kinds));
    this.norm = normaliser(this.target);
    this.vec = new Uint32Array(this.fp.width);
    this.wire = new Uint32Array(this.fp.width);
    this.unpacked = new Uint32Array(this.fp.width);
    this.channels = channelPositions(this.target.kinds);
    this.graph = this.target.liveness ? new StateGraph() : null;
    this.outboxes = Array.from({ length: this.n }, (_x, w) => (w === this.me ? null : new Outbox(this.fp.width)));
  }

  /** The owner of the initial state inserts it. */
  init(): FromWorker {
    const initial = this.norm(this.target.initial);
    const hash = this.fp.encode(initial, this.vec);
    if (ownerOf(this.global.partHash(this.vec), this.n) !== this.me) return { type: 'ready', candidates: [], states: 0 };
    const v0 = stateViolation(this.target, this.target.initial);
    if (v0 !== null) this.found({ violation: v0, length: 0, state: this.gid(0), step: null });
    this.frontier.push(this.store.add(this.vec, hash, -1, 0));
    return { type: 'ready', candidates: this.takeCandidates(), states: this.store.size };
  }

  /** Inserts what the other workers sent for depth `depth`; the new states join the frontier. */
  private absorb(inbox: readonly Batch[], depth: number): void {
    const vec = this.vec;
    const width = this.fp.width;
    for (const b of inbox) {
      const r = new BatchReader(b, width);
      while (r.next(this.wire)) {
        this.global.localize(this.wire, vec);
        const id = this.store.add(vec, vectorHash(vec, width), r.parent, r.step);
        const gid = this.gid(id);
        this.graph?.addEdge(r.parent, gid, this.localStep(r.step), r.progress);
        if (!this.store.added) continue;
        this.frontier.push(id);
        // Checked on the stored (canonical) world, which differs from the one the sender reached
        // only in numbers no property reads (symmetry.ts); the main thread replays the path.
        const v = this.wanted(depth, gid) ? stateViolation(this.target, this.fp.decode(vec)) : null;
        if (v !== null) this.found({ violation: v, length: depth, state: gid, step: null });
      }
    }
  }

  /** One level: insert the inbox, then expand (at the depth bound: only look at) the frontier of depth `depth`; 'absorb' stops after the inbox. */
  level(m: Extract<ToWorker, { type: 'level' | 'absorb' }>): FromWorker {
    if (m.type === 'absorb') this.keepBest(m.found);
    this.absorb(m.inbox, m.depth);
    const inboxCandidates = this.takeCandidates();
    const statesBeforeExpand = this.store.size;
    let transitions = 0;
    let expanded = 0;
    if (m.type === 'level') {
      const frontier = this.frontier;
      this.frontier = [];
      for (; expanded < frontier.length; expanded++) {
        // Time is checked every so many states, a fraction of a millisecond of work.
        if ((expanded & 63) === 0 && Atomics.load(this.flags, 1) !== 0) {
          this.stopped = true;
          break;
        }
        transitions += this.expand(frontier[expanded] as number, m.depth, m.expand);
      }
    }
    return {
      type: 'level-done',
      transitions,
      inboxCandidates,
      candidates: this.takeCandidates(),
      states: this.store.size,
      statesBeforeExpand,
      expanded,
      next: this.frontier.length,
      outbox: this.outboxes.map((o) => (o === null ? emptyBatch() : o.take())),
      cut: this.cut,
      stopped: this.stopped,
    };
  }

  /** Expands own state `local` of depth `depth`; returns the transitions taken. */
  private expand(local: number, depth: number, expandIt: boolean): number {
    const id = this.gid(local);
    const world = this.fp.decode(this.store.vector(local, this.unpacked));
    const succ = expand(world, this.target.steppers, this.ids);
    const masks = this.graph === null ? null : stateMasks(world, succ, this.ids, this.channels);
    if (masks !== null) {
      this.graph?.setState(id, masks.enabled, masks.progressing, masks.pending);
      this.expanded.push(id);
    }
    if (succ.length === 0) {
      const dl = this.wanted(depth, id) ? deadlockViolation(this.target, world) : null;
      if (dl !== null) this.found({ violation: dl, length: depth, state: id, step: null });
      return 0;
    }
    if (!expandIt) {
      this.cut = true;
      return 0;
    }
    // Asked once: what the loop finds sorts at or after (depth + 1, id), so the answer holds for every step.
    const checkSteps = this.wanted(depth + 1, id);
    for (let k = 0; k < succ.length; k++) {
      const s = succ[k] as (typeof succ)[number];
      const after = s.outcome.world;
      const sv = checkSteps ? stepViolation(this.target, world, s.outcome.deliveries, after) : null;
      if (sv !== null) this.found({ violation: sv, length: depth + 1, state: id, step: this.ids.name(s.idx) });
      const hash = this.fp.encode(this.norm(after), this.vec);
      const step = this.global.step(s.idx);
      const progress = masks?.progress[k] === true;
      const owner = ownerOf(this.global.partHash(this.vec), this.n);
      if (owner !== this.me) {
        // The owner inserts it, checks it and records the edge (absorb).
        this.global.globalize(this.vec, this.wire);
        (this.outboxes[owner] as Outbox).push(id, step, progress, this.wire);
        continue;
      }
      const nid = this.store.add(this.vec, hash, id, step);
      const gid = this.gid(nid);
      this.graph?.addEdge(id, gid, s.idx, progress);
      if (!this.store.added) continue;
      this.frontier.push(nid);
      const v = this.wanted(depth + 1, gid) ? stateViolation(this.target, after) : null;
      if (v !== null) this.found({ violation: v, length: depth + 1, state: gid, step: null });
    }
    return succ.length;
  }

  /** The parent (global id) and step (global step id) of the state of global id `state`, which this worker owns. */
  parentOf(state: number): FromWorker {
    const local = localId(state, this.n);
    return { type: 'parent', parent: this.store.parent[local] as number, step: this.store.choice[local] as number };
  }

  graphPart(): FromWorker {
    const g = this.graph ?? new StateGraph();
    const states = Int32Array.from(this.expanded);
    return {
      type: 'graph',
      names: this.ids.names,
      src: g.src.slice(0, g.edges),
      dst: g.dst.slice(0, g.edges),
      step: g.step.slice(0, g.edges),
      progress: g.progress.slice(0, g.edges),
      states,
      enabled: states.map((s) => g.enabled[s] as number),
      progressing: states.map((s) => g.progressing[s] as number),
      pending: states.map((s) => g.pending[s] as number),
    };
  }

  private gid(local: number): number {
    return globalId(local, this.me, this.n);
  }

  private localStep(global: number): number {
    return (this.localSteps[global] ??= this.ids.idx(this.stepNames.text(global)));
  }

  /**
   * Whether a violation of length `length` at state `state` could be the one reported
   * (`candidateOrder`): one this worker has already found that comes first makes the check
   * needless, as one-worker bfs stops checking once it has found one. Most of the last level can
   * follow the first violation found in it.
   */
  private wanted(length: number, state: number): boolean {
    return this.best === null || candidateOrder({ length, state, step: null }, this.best) <= 0;
  }

  private found(c: Candidate): void {
    this.candidates.push(c);
    this.keepBest(c);
  }

  private keepBest(c: CandidateKey): void {
    if (this.best === null || candidateOrder(c, this.best) < 0) this.best = c;
  }

  private takeCandidates(): Candidate[] {
    const c = this.candidates;
    this.candidates = [];
    return c;
  }
}

/** This worker's executions of a random/pct run: i ≡ index (mod workers), stopping past the first violation any worker found. */
function runWalks(d: WorkerData, flags: Int32Array, m: Extract<ToWorker, { type: 'walks' }>): FromWorker {
  const model = buildModel(d.setup.scenario, { variant: d.setup.variant, mutations: d.setup.mutations });
  const c = walkContext(targetOf(model, d.setup.target), m.strategy, m.seed, m.maxDepth, m.pctDepth);
  const lengths: (readonly [number, number])[] = [];
  let first: { index: number; counterexample: NonNullable<ReturnType<typeof execution>['counterexample']> } | null = null;
  let cut = false;
  let stopped = false;
  for (let i = d.index; i < m.executions; i += d.workers) {
    if (i > Atomics.load(flags, 2)) break;
    if (Atomics.load(flags, 1) !== 0) {
      stopped = true;
      break;
    }
    const r = execution(c, i);
    lengths.push([i, r.choices.length]);
    if (r.end === 'cut') cut = true;
    if (r.counterexample !== undefined) {
      first = { index: i, counterexample: r.counterexample };
      for (let seen = Atomics.load(flags, 2); i < seen; seen = Atomics.load(flags, 2)) {
        if (Atomics.compareExchange(flags, 2, seen, i) === seen) break;
      }
      break;
    }
  }
  return { type: 'walks-done', first, lengths, cut, stopped };
}

/** The worker thread's entry: answer the main thread. */
export function startWorker(): void {
  const d = workerData as WorkerData;
  const flags = new Int32Array(d.shared);
  const post = (m: FromWorker): void => {
    // Outboxes move to the main thread without a copy (it hands them on to their owners).
    d.main.postMessage(m, m.type === 'level-done' ? m.outbox.map((b) => b.buffer) : []);
    Atomics.add(flags, 0, 1);
    Atomics.notify(flags, 0);
  };
  let bfs: BfsWorker | null = null;
  d.main.on('message', (m: ToWorker) => {
    try {
      switch (m.type) {
        case 'init':
          if (d.tables === null) throw new Error('a bfs worker started without shared tables');
          bfs = new BfsWorker(d, d.tables, flags);
          post(bfs.init());
          return;
        case 'level':
        case 'absorb':
          if (bfs !== null) post(bfs.level(m));
          return;
        case 'parent':
          if (bfs !== null) post(bfs.parentOf(m.state));
          return;
        case 'graph':
          if (bfs !== null) post(bfs.graphPart());
          return;
        case 'walks':
          post(runWalks(d, flags, m));
          return;
      }
    } catch (e) {
      post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
