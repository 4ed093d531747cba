import { workerData, type MessagePort } from 'node:worker_threads';
import type { World } from '../domain/index.js';
import { buildModel } from '../runtime/build.js';
import { expand, StepIds } from './expand.js';
import { Fingerprinter } from './fingerprint.js';
import { channelPositions, stateMasks } from './liveness.js';
import { deadlockViolation, stateViolation, stepViolation } from './properties.js';
import type { Batch, Candidate, FromWorker, ToWorker, WorkerSetup } from './protocol.js';
import { StateStore } from './store.js';
import { normaliser, targetOf, type ExploreTarget } from './target.js';
import { execution, walkContext } from './walk.js';
import { Wire, type Defs } from './wire.js';

/** What the main thread hands each worker (parallel.ts). */
export interface WorkerData {
  readonly setup: WorkerSetup;
  readonly index: number;
  readonly workers: number;
  readonly main: MessagePort;
  /** One port per other worker (null at this worker's own index). */
  readonly peers: readonly (MessagePort | null)[];
  /** [0]: bumped after every message to the main thread; [1]: stop (time is up); [2]: first violating execution. */
  readonly shared: SharedArrayBuffer;
}

/**
 * One worker of a parallel breadth-first search (parallel.ts). It owns the worlds whose content
 * hash falls to it: it stores them, checks their state properties and expands them; successors
 * it does not own go, level by level, to their owners in one batch per peer.
 */
class BfsWorker {
  readonly target: ExploreTarget;
  private readonly fp: Fingerprinter;
  private readonly store: StateStore;
  private readonly ids: StepIds;
  private readonly wire: Wire;
  private readonly norm: (w: World) => World;
  private readonly vec: Uint32Array;
  private readonly channels: readonly number[];
  private readonly parentWorker: number[] = [];
  private frontier: { world: World; id: number }[] = [];
  private next: { world: World; id: number }[] = [];
  private depth = 0;
  private transitions = 0;
  private candidates: Candidate[] = [];
  private level = 0;
  private expandedLevel = -1;
  private cut = false;
  private stopped = false;
  private readonly inbox = new Map<number, Batch[]>();
  private readonly edges: { srcW: number[]; src: number[]; dst: number[]; step: number[]; progress: number[] } | null;
  private readonly masks: { enabled: number[]; progressing: number[]; pending: number[] } | null;

  constructor(private readonly d: WorkerData, private readonly flags: Int32Array) {
    const model = buildModel(d.setup.scenario, { variant: d.setup.variant, mutations: d.setup.mutations });
    this.target = targetOf(model, d.setup.target);
    this.fp = new Fingerprinter(this.target.steppers);
    this.store = new StateStore(this.fp.width);
    this.ids = new StepIds(this.target.steppers.index);
    this.wire = new Wire(this.target.steppers, this.fp, this.target.initial, d.workers);
    this.norm = normaliser(this.target);
    this.vec = new Uint32Array(this.fp.width);
    this.channels = channelPositions(this.target.kinds);
    this.edges = this.target.liveness ? { srcW: [], src: [], dst: [], step: [], progress: [] } : null;
    this.masks = this.target.liveness ? { enabled: [], progressing: [], pending: [] } : null;
  }

  init(): FromWorker {
    const hashes: number[] = [];
    this.wire.encode(this.norm(this.target.initial), hashes);
    if (this.owner(this.norm(this.target.initial)) === this.d.index) {
      const v0 = stateViolation(this.target, this.target.initial);
      if (v0 !== null) this.candidates.push({ violation: v0, length: 0, worker: this.d.index, state: 0, step: null });
      const initial = this.norm(this.target.initial);
      const id = this.store.add(this.vec, this.fp.encode(initial, this.vec), -1, 0);
      this.parentWorker[id] = -1;
      this.frontier.push({ world: initial, id });
    }
    return { type: 'ready', states: this.store.size, candidates: this.takeCandidates() };
  }

  /** Expands this worker's part of the level and sends its peers their batches. */
  expandLevel(expandAllowed: boolean, send: (peer: number, b: Batch) => void): void {
    const n = this.d.workers;
    const outs = Array.from({ length: n }, () => ({ names: new Map<string, number>(), defs: { actors: [], messages: [] } as Defs, data: [] as number[] }));
    const hashes: number[] = [];
    for (const f of this.frontier) {
      if (Atomics.load(this.flags, 1) !== 0) {
        this.stopped = true;
        break;
      }
      const succ = expand(f.world, this.target.steppers, this.ids);
      const m = this.masks === null ? null : stateMasks(f.world, succ, this.ids, this.channels);
      if (m !== null && this.masks !== null) {
        this.masks.enabled[f.id] = m.enabled;
        this.masks.progressing[f.id] = m.progressing;
        this.masks.pending[f.id] = m.pending;
      }
      if (succ.length === 0) {
        const dl = deadlockViolation(this.target, f.world);
        if (dl !== null) this.candidates.push({ violation: dl, length: this.depth, worker: this.d.index, state: f.id, step: null });
        continue;
      }
      if (!expandAllowed) {
        this.cut = true;
        continue;
      }
      for (let k = 0; k < succ.length; k++) {
        const s = succ[k] as (typeof succ)[number];
        this.transitions++;
        const name = this.ids.name(s.idx);
        const after = s.outcome.world;
        const sv = stepViolation(this.target, f.world, s.outcome.deliveries, after);
        if (sv !== null) this.candidates.push({ violation: sv, length: this.depth + 1, worker: this.d.index, state: f.id, step: name });
        const progress = m?.progress[k] === true;
        // The owner comes from the canonical world (symmetry.ts), so equal states meet at one worker;
        // the real world travels, so the owner checks state properties on it as one worker would.
        const stored = this.norm(after);
        hashes.length = 0;
        this.wire.encode(stored, hashes);
        const owner = Wire.owner(hashes, 0, hashes.length, n);
        if (owner === this.d.index) {
          this.insert(after, this.d.index, f.id, name, progress);
          continue;
        }
        const out = outs[owner] as (typeof outs)[number];
        let ni = out.names.get(name);
        if (ni === undefined) {
          ni = out.names.size;
          out.names.set(name, ni);
        }
        if (stored !== after) {
          hashes.length = 0;
          this.wire.encode(after, hashes);
        }
        this.wire.defsFor(owner, hashes, 0, out.defs);
        out.data.push(f.id, ni, progress ? 1 : 0, ...hashes);
      }
    }
    for (let p = 0; p < n; p++) {
      if (p === this.d.index) continue;
      const out = outs[p] as (typeof outs)[number];
      send(p, { level: this.level, from: this.d.index, names: [...out.names.keys()], defs: out.defs, data: Float64Array.from(out.data) });
    }
    this.expandedLevel = this.level;
  }

  receive(b: Batch): void {
    const list = this.inbox.get(b.level);
    if (list === undefined) this.inbox.set(b.level, [b]);
    else list.push(b);
  }

  /** The level's report once this worker expanded it and got every peer's batch; null before. */
  tryFinish(): FromWorker | null {
    const batches = this.inbox.get(this.level) ?? [];
    if (this.expandedLevel !== this.level || batches.length < this.d.workers - 1) return null;
    this.inbox.delete(this.level);
    const width = this.target.initial.actors.length;
    for (const b of [...batches].sort((x, y) => x.from - y.from)) {
      this.wire.receive(b.defs);
      let i = 0;
      while (i < b.data.length) {
        const parent = b.data[i] as number;
        const name = b.names[b.data[i + 1] as number] as string;
        const progress = b.data[i + 2] === 1;
        const world = this.wire.decode(b.data, i + 3);
        this.insert(world, b.from, parent, name, progress);
        i += 3 + width + 1 + (b.data[i + 3 + width] as number);
      }
    }
    this.frontier = this.next;
    this.next = [];
    this.level++;
    this.depth++;
    return {
      type: 'level-done',
      states: this.store.size,
      transitions: this.transitions,
      frontier: this.frontier.length,
      candidates: this.takeCandidates(),
      cut: this.cut,
      stopped: this.stopped,
    };
  }

  parent(state: number): FromWorker {
    const pw = this.parentWorker[state] ?? -1;
    return pw < 0
      ? { type: 'parent', worker: -1, state: -1, step: null }
      : { type: 'parent', worker: pw, state: this.store.parent[state] as number, step: this.ids.name(this.store.choice[state] as number) };
  }

  graph(offsets: readonly number[]): FromWorker {
    const e = this.edges ?? { srcW: [], src: [], dst: [], step: [], progress: [] };
    const m = this.masks ?? { enabled: [], progressing: [], pending: [] };
    const own = offsets[this.d.index] as number;
    const n = this.store.size;
    return {
      type: 'graph',
      names: this.ids.names,
      src: Int32Array.from(e.src, (s, i) => (offsets[e.srcW[i] as number] as number) + s),
      dst: Int32Array.from(e.dst, (x) => own + x),
      step: Int32Array.from(e.step),
      progress: Uint8Array.from(e.progress),
      enabled: Int32Array.from({ length: n }, (_x, i) => m.enabled[i] ?? 0),
      progressing: Int32Array.from({ length: n }, (_x, i) => m.progressing[i] ?? 0),
      pending: Int32Array.from({ length: n }, (_x, i) => m.pending[i] ?? 0),
    };
  }

  /** The worker that owns a world: a hash of its canonical content (symmetry.ts), so equal worlds meet at one worker. */
  private owner(world: World): number {
    const hashes: number[] = [];
    this.wire.encode(this.norm(world), hashes);
    return Wire.owner(hashes, 0, hashes.length, this.d.workers);
  }

  private insert(world: World, fromWorker: number, parent: number, name: string, progress: boolean): void {
    const stored = this.norm(world);
    const step = this.ids.idx(name);
    const nid = this.store.add(this.vec, this.fp.encode(stored, this.vec), parent, step);
    if (this.edges !== null) {
      this.edges.srcW.push(fromWorker);
      this.edges.src.push(parent);
      this.edges.dst.push(nid);
      this.edges.step.push(step);
      this.edges.progress.push(progress ? 1 : 0);
    }
    if (!this.store.added) return;
    this.parentWorker[nid] = fromWorker;
    const v = stateViolation(this.target, world);
    if (v !== null) this.candidates.push({ violation: v, length: this.depth + 1, worker: this.d.index, state: nid, step: null });
    this.next.push({ world: stored, id: nid });
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

/** The worker thread's entry: answer the main thread, exchange batches with peers. */
export function startWorker(): void {
  const d = workerData as WorkerData;
  const flags = new Int32Array(d.shared);
  const post = (m: FromWorker): void => {
    d.main.postMessage(m);
    Atomics.add(flags, 0, 1);
    Atomics.notify(flags, 0);
  };
  const fail = (e: unknown): void => post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  let bfs: BfsWorker | null = null;
  const finish = (): void => {
    const r = bfs?.tryFinish() ?? null;
    if (r !== null) post(r);
  };
  d.peers.forEach((p) =>
    p?.on('message', (b: Batch) => {
      try {
        bfs?.receive(b);
        finish();
      } catch (e) {
        fail(e);
      }
    }),
  );
  d.main.on('message', (m: ToWorker) => {
    try {
      switch (m.type) {
        case 'init':
          bfs = new BfsWorker(d, flags);
          post(bfs.init());
          return;
        case 'level':
          bfs?.expandLevel(m.expand, (peer, b) => d.peers[peer]?.postMessage(b));
          finish();
          return;
        case 'parent':
          if (bfs !== null) post(bfs.parent(m.state));
          return;
        case 'graph':
          if (bfs !== null) post(bfs.graph(m.offsets));
          return;
        case 'walks':
          post(runWalks(d, flags, m));
          return;
      }
    } catch (e) {
      fail(e);
    }
  });
}
