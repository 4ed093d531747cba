import { workerData, type MessagePort } from 'node:worker_threads';
import type { World } from '../domain/index.js';
import { buildModel } from '../runtime/build.js';
import { expand, StepIds } from './expand.js';
import { Fingerprinter } from './fingerprint.js';
import { channelPositions, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import { GlobalIds } from './globalIds.js';
import { StateGraph } from './graph.js';
import type { Candidate, FromWorker, ToWorker, WorkerSetup } from './protocol.js';
import { SharedIntern, SharedStore, type InternBuffers, type StoreBuffers } from './sharedTables.js';
import { normaliser, targetOf, type ExploreTarget } from './target.js';
import { execution, walkContext } from './walk.js';

/** What the main thread hands each worker (parallel.ts). */
export interface WorkerData {
  readonly setup: WorkerSetup;
  readonly index: number;
  readonly workers: number;
  readonly main: MessagePort;
  /** [0]: bumped after every message to the main thread; [1]: stop (time is up); [2]: first violating execution; [3]: `CURSOR`. */
  readonly shared: SharedArrayBuffer;
  /** The tables of a parallel bfs (sharedTables.ts); null for random and pct walks. */
  readonly tables: { readonly content: InternBuffers; readonly steps: InternBuffers; readonly store: StoreBuffers } | null;
}

/**
 * One worker of a parallel breadth-first search (parallel.ts). All workers insert into one shared
 * visited set, whose ids are given in order, so a level's new states are one id range; workers
 * claim chunks of it, rebuild each world from its vector (globalIds.ts) and expand it. A worker
 * checks the state properties of the states it inserted and the step properties of its steps.
 */
class BfsWorker {
  readonly target: ExploreTarget;
  private readonly fp: Fingerprinter;
  private readonly store: SharedStore;
  private readonly ids: StepIds;
  private readonly global: GlobalIds;
  private readonly norm: (w: World) => World;
  private readonly vec: Uint32Array;
  private readonly unpacked: Uint32Array;
  private readonly channels: readonly number[];
  private candidates: Candidate[] = [];
  private cut = false;
  private stopped = false;
  private readonly graph: StateGraph | null;
  private readonly expanded: number[] = [];

  constructor(private readonly d: WorkerData, tables: NonNullable<WorkerData['tables']>, private readonly flags: Int32Array) {
    const model = buildModel(d.setup.scenario, { variant: d.setup.variant, mutations: d.setup.mutations });
    this.target = targetOf(model, d.setup.target);
    this.fp = new Fingerprinter(this.target.steppers);
    this.store = new SharedStore(this.fp.width, tables.store);
    this.ids = new StepIds(this.target.steppers.index);
    this.global = new GlobalIds(this.fp, new SharedIntern(tables.content), new SharedIntern(tables.steps), this.ids, this.target.initial);
    this.norm = normaliser(this.target);
    this.vec = new Uint32Array(this.fp.width);
    this.unpacked = new Uint32Array(this.fp.width);
    this.channels = channelPositions(this.target.kinds);
    this.graph = this.target.liveness ? new StateGraph() : null;
  }

  /** Worker 0 inserts the initial state: global id 0. */
  init(): FromWorker {
    if (this.d.index !== 0) return { type: 'ready', candidates: [], bound: 0 };
    const initial = this.norm(this.target.initial);
    const v0 = stateViolation(this.target, this.target.initial);
    if (v0 !== null) this.candidates.push({ violation: v0, length: 0, state: 0, step: null });
    this.store.add(this.vec, this.global.encode(initial, this.vec), -1, 0);
    return { type: 'ready', candidates: this.takeCandidates(), bound: boundOf(initial) };
  }

  /** Expands chunks of the level's states [from, to) until the shared cursor passes `to`. */
  level(m: Extract<ToWorker, { type: 'level' }>): FromWorker {
    this.store.refresh();
    let transitions = 0;
    let bound = 0;
    for (;;) {
      const start = Atomics.add(this.flags, CURSOR, CHUNK);
      if (start >= m.to) break;
      // Time is checked once per chunk, a fraction of a millisecond of work.
      if (Atomics.load(this.flags, 1) !== 0) {
        this.stopped = true;
        break;
      }
      for (let id = start; id < Math.min(m.to, start + CHUNK); id++) {
        const world = this.global.decode(this.store.vector(id, this.unpacked));
        const succ = expand(world, this.target.steppers, this.ids);
        const masks = this.graph === null ? null : stateMasks(world, succ, this.ids, this.channels);
        if (masks !== null) {
          this.graph?.setState(id, masks.enabled, masks.progressing, masks.pending);
          this.expanded.push(id);
        }
        if (succ.length === 0) {
          const dl = deadlockViolation(this.target, world);
          if (dl !== null) this.candidates.push({ violation: dl, length: m.depth, state: id, step: null });
          continue;
        }
        if (!m.expand) {
          this.cut = true;
          continue;
        }
        for (let k = 0; k < succ.length; k++) {
          const s = succ[k] as (typeof succ)[number];
          transitions++;
          const after = s.outcome.world;
          const sv = stepViolation(this.target, world, s.outcome.deliveries, after);
          if (sv !== null) this.candidates.push({ violation: sv, length: m.depth + 1, state: id, step: this.ids.name(s.idx) });
          const stored = this.norm(after);
          const nid = this.store.add(this.vec, this.global.encode(stored, this.vec), id, this.global.step(s.idx));
          this.graph?.addEdge(id, nid, s.idx, masks?.progress[k] === true);
          if (!this.store.added) continue;
          bound += boundOf(stored);
          const v = stateViolation(this.target, after);
          if (v !== null) this.candidates.push({ violation: v, length: m.depth + 1, state: nid, step: null });
        }
      }
    }
    return { type: 'level-done', transitions, candidates: this.takeCandidates(), bound, cut: this.cut, stopped: this.stopped };
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

  private takeCandidates(): Candidate[] {
    const c = this.candidates;
    this.candidates = [];
    return c;
  }
}

/** The shared flags slot of the level's next unclaimed state id, and how many a worker claims at once. */
export const CURSOR = 3;
const CHUNK = 64;

/** At most this many steps are enabled in `world`: one per actor and one per message in flight. */
function boundOf(world: World): number {
  return world.actors.length + world.net.length;
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
    d.main.postMessage(m);
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
          if (bfs !== null) post(bfs.level(m));
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
