import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { buildModel } from '../runtime/build.js';
import type { StepId } from '../runtime/step.js';
import { Budget } from './budget.js';
import { StepIds } from './expand.js';
import { StateGraph } from './graph.js';
import { channelPositions, livenessOf } from './liveness.js';
import type { Candidate, FromWorker, ToWorker, WorkerSetup } from './protocol.js';
import { concretise, shrink } from './shrink.js';
import { targetOf, type ExploreTarget } from './target.js';
import type { Counterexample, ExploreOptions, ExploreResult, Progress } from './types.js';
import { DEFAULT_EXECUTIONS, DEFAULT_PCT_DEPTH, DEFAULT_WALK_DEPTH } from './walk.js';
import type { WorkerData } from './worker.js';

export type ParallelInput = WorkerSetup;

/** A worker and the main thread's end of its port. */
interface Handle {
  readonly worker: Worker;
  readonly port: MessagePort;
}

/**
 * Loads worker.ts in a worker thread: the compiled .js as is; under a TypeScript runner (the
 * tests), through @swc/core (a dev dependency), resolving the `.js` import specifiers to `.ts`.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
const entry = workerData.entry;
if (entry.endsWith('.ts')) {
  const Module = require('node:module');
  const fs = require('node:fs');
  const path = require('node:path');
  const swc = require('@swc/core');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (e) {
      if (parent && parent.filename && request.startsWith('.') && request.endsWith('.js')) {
        const ts = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
        if (fs.existsSync(ts)) return ts;
      }
      throw e;
    }
  };
  require.extensions['.ts'] = function (m, filename) {
    const out = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
      filename, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' },
    });
    m._compile(out.code, filename);
  };
}
require(entry).startWorker();
`;

const WORKER_ENTRY = __filename.replace(/parallel\.(ts|js)$/, 'worker.$1');

/** How long to wait for a worker to start (build its model) before giving up. */
const START_TIMEOUT_MS = 120_000;

class Pool {
  readonly handles: Handle[] = [];
  readonly flags: Int32Array;

  constructor(setup: WorkerSetup, readonly size: number, private readonly tick: () => void) {
    const shared = new SharedArrayBuffer(12);
    this.flags = new Int32Array(shared);
    this.flags[2] = 0x7fffffff;
    const peers: (MessagePort | null)[][] = Array.from({ length: size }, () => Array.from({ length: size }, () => null));
    for (let i = 0; i < size; i++) {
      for (let j = i + 1; j < size; j++) {
        const ch = new MessageChannel();
        (peers[i] as (MessagePort | null)[])[j] = ch.port1;
        (peers[j] as (MessagePort | null)[])[i] = ch.port2;
      }
    }
    for (let i = 0; i < size; i++) {
      const ch = new MessageChannel();
      const myPeers = peers[i] as (MessagePort | null)[];
      const data: WorkerData & { entry: string } = { setup, index: i, workers: size, main: ch.port2, peers: myPeers, shared, entry: WORKER_ENTRY };
      const transfer = [ch.port2, ...myPeers.filter((p): p is MessagePort => p !== null)];
      const worker = new Worker(BOOT, { eval: true, workerData: data, transferList: transfer });
      worker.unref();
      this.handles.push({ worker, port: ch.port1 });
    }
  }

  send(i: number, m: ToWorker): void {
    this.handles[i]?.port.postMessage(m);
  }

  /** The next message from worker `i`, waiting (the main thread stays synchronous). */
  receive(i: number, timeoutMs = Infinity): FromWorker {
    const port = (this.handles[i] as Handle).port;
    const started = Date.now();
    for (;;) {
      const seen = Atomics.load(this.flags, 0);
      const m = receiveMessageOnPort(port);
      if (m !== undefined) {
        const msg = m.message as FromWorker;
        if (msg.type === 'error') throw new Error(`worker ${i}: ${msg.message}`);
        return msg;
      }
      Atomics.wait(this.flags, 0, seen, 50);
      this.tick();
      if (Date.now() - started > timeoutMs) throw new Error(`worker ${i} did not answer within ${timeoutMs / 1000} s`);
    }
  }

  all(m: ToWorker, timeoutMs?: number): FromWorker[] {
    for (let i = 0; i < this.size; i++) this.send(i, m);
    return this.handles.map((_h, i) => this.receive(i, timeoutMs));
  }

  stop(): void {
    Atomics.store(this.flags, 1, 1);
  }

  close(): void {
    for (const h of this.handles) {
      h.port.close();
      void h.worker.terminate();
    }
  }
}

/**
 * `--workers N`: the same exploration split over worker threads. bfs: the state space is
 * partitioned by a content hash of each (canonical) world; level by level, every worker expands
 * the worlds it owns and sends the successors it does not own to their owners, which deduplicate
 * them exactly as one worker would (so the verdict and the distinct-state count are the same).
 * random and pct: execution i runs on worker i mod N; the first violating execution is the same
 * as with one worker. The counterexample is rebuilt on the main thread and replayed there.
 */
export function exploreParallel(input: ParallelInput, opts: ExploreOptions, workers: number): ExploreResult {
  const model = buildModel(input.scenario, { variant: input.variant, mutations: input.mutations });
  const target = targetOf(model, input.target);
  const budget = new Budget(opts);
  let stopForTime = (): void => {};
  const pool = new Pool(input, workers, () => stopForTime());
  stopForTime = (): void => {
    if (budget.tick(lastProgress, true)) pool.stop();
  };
  let lastProgress = (): Progress => ({ states: 0, transitions: 0, depth: 0, frontier: 0, seconds: budget.seconds });
  try {
    const r = opts.strategy === 'random' || opts.strategy === 'pct' ? parallelWalks(pool, target, opts) : parallelBfs(pool, target, opts, (p) => (lastProgress = p));
    budget.final(lastProgress());
    const limit = r.limit ?? budget.limit;
    const result: ExploreResult = { ...r, workers, ...(r.verdict === 'incomplete' && limit !== undefined ? { limit } : {}) };
    if (result.counterexample === undefined) return result;
    const cx = opts.strategy === 'bfs' || opts.shrink === false ? result.counterexample : shrink(target, result.counterexample);
    return { ...result, counterexample: concretise(target, cx) };
  } finally {
    pool.close();
  }
}

function parallelBfs(pool: Pool, target: ExploreTarget, opts: ExploreOptions, onLevel: (p: () => Progress) => void): ExploreResult {
  const budget = new Budget({ ...opts, onProgress: undefined });
  const ready = pool.all({ type: 'init' }, START_TIMEOUT_MS);
  const sizes = ready.map((m) => (m.type === 'ready' ? m.states : 0));
  const initialOwner = Math.max(0, sizes.indexOf(1));
  let states = sizes.reduce((a, b) => a + b, 0);
  let candidates = ready.flatMap((m) => (m.type === 'ready' ? m.candidates : []));
  let transitions = 0;
  let depth = 0;
  let frontier = states;
  let limit: ExploreResult['limit'];
  const progress = (): Progress => ({ states, transitions, depth, frontier, seconds: budget.seconds });
  onLevel(progress);
  while (candidates.length === 0 && frontier > 0) {
    const expand = opts.maxDepth === undefined || depth < opts.maxDepth;
    const done = pool.all({ type: 'level', expand });
    states = 0;
    transitions = 0;
    frontier = 0;
    let stopped = false;
    done.forEach((m, w) => {
      if (m.type === 'level-done') sizes[w] = m.states;
    });
    for (const m of done) {
      if (m.type !== 'level-done') continue;
      states += m.states;
      transitions += m.transitions;
      frontier += m.frontier;
      candidates = candidates.concat(m.candidates);
      if (m.cut) limit ??= 'max-depth';
      if (m.stopped) stopped = true;
    }
    opts.onProgress?.(progress());
    if (candidates.length > 0) break;
    if (stopped) {
      limit = 'max-seconds';
      break;
    }
    if (!expand) break;
    if (opts.maxStates !== undefined && states > opts.maxStates) {
      limit = 'max-states';
      break;
    }
    if (frontier > 0) depth++;
  }
  const base = { strategy: 'bfs' as const, unit: 'states' as const, states, transitions, depth, workers: pool.size };
  if (candidates.length > 0) {
    const best = [...candidates].sort((a, b) => a.length - b.length || a.worker - b.worker)[0] as Candidate;
    const path = pathOf(pool, best);
    return { ...base, verdict: 'violation', counterexample: { violation: best.violation, choices: path } };
  }
  if (limit !== undefined) return { ...base, verdict: 'incomplete', limit };
  if (target.liveness) {
    const lasso = parallelLiveness(pool, target, sizes, initialOwner);
    if (lasso !== null) return { ...base, verdict: 'violation', counterexample: lasso };
  }
  return { ...base, verdict: 'pass' };
}

/** The choices to a candidate: its state's parent chain across workers, then its step. */
function pathOf(pool: Pool, c: Candidate): StepId[] {
  const path: StepId[] = c.step === null ? [] : [c.step];
  let w = c.worker;
  let s = c.state;
  for (;;) {
    pool.send(w, { type: 'parent', state: s });
    const m = pool.receive(w);
    if (m.type !== 'parent' || m.worker < 0 || m.step === null) break;
    path.push(m.step);
    w = m.worker;
    s = m.state;
  }
  return path.reverse();
}

/** gpu-progress (b) over the graphs the workers kept, joined on the main thread. */
function parallelLiveness(pool: Pool, target: ExploreTarget, sizes: readonly number[], initialOwner: number): Counterexample | null {
  const offsets: number[] = [];
  sizes.reduce((o, n) => (offsets.push(o), o + n), 0);
  const parts = pool.all({ type: 'graph', offsets });
  const g = new StateGraph();
  const ids = new StepIds(target.steppers.index);
  parts.forEach((m, w) => {
    if (m.type !== 'graph') return;
    const names = m.names.map((n) => ids.idx(n));
    for (let e = 0; e < m.src.length; e++) g.addEdge(m.src[e] as number, m.dst[e] as number, names[m.step[e] as number] as number, m.progress[e] === 1);
    const off = offsets[w] as number;
    for (let i = 0; i < m.enabled.length; i++) g.setState(off + i, m.enabled[i] as number, m.progressing[i] as number, m.pending[i] as number);
  });
  // The initial state is state 0 of its owner; the analysis starts its prefixes at global state 0.
  const initial = offsets[initialOwner] as number;
  return livenessOf(target, initial === 0 ? g : relabel(g, initial), ids, channelPositions(target.kinds));
}

/** The graph with states `a` and 0 swapped (livenessOf starts its prefixes at state 0). */
function relabel(g: StateGraph, a: number): StateGraph {
  const swap = (s: number): number => (s === a ? 0 : s === 0 ? a : s);
  const out = new StateGraph();
  for (let e = 0; e < g.edges; e++) out.addEdge(swap(g.src[e] as number), swap(g.dst[e] as number), g.step[e] as number, g.progress[e] === 1);
  for (let s = 0; s < g.states; s++) {
    const t = swap(s);
    out.setState(t, g.enabled[s] as number, g.progressing[s] as number, g.pending[s] as number);
  }
  return out;
}

function parallelWalks(pool: Pool, target: ExploreTarget, opts: ExploreOptions): ExploreResult {
  const strategy: 'random' | 'pct' = opts.strategy === 'pct' ? 'pct' : 'random';
  const executions = opts.maxStates ?? DEFAULT_EXECUTIONS;
  const res = pool.all(
    {
      type: 'walks',
      strategy,
      seed: opts.seed ?? 0,
      executions,
      maxDepth: opts.maxDepth ?? DEFAULT_WALK_DEPTH,
      pctDepth: opts.pctDepth ?? DEFAULT_PCT_DEPTH,
    },
    START_TIMEOUT_MS + (opts.maxSeconds ?? 86_400) * 1000,
  );
  let first: { index: number; counterexample: Counterexample } | null = null;
  let cut = false;
  let stopped = false;
  const lengths: (readonly [number, number])[] = [];
  for (const m of res) {
    if (m.type !== 'walks-done') continue;
    if (m.first !== null && (first === null || m.first.index < first.index)) first = m.first;
    lengths.push(...m.lengths);
    cut ||= m.cut;
    stopped ||= m.stopped;
  }
  // What one worker would have run: executions 0..first (or all of them).
  const upto = first === null ? Infinity : first.index;
  const ran = lengths.filter(([i]) => i <= upto);
  const base = {
    strategy,
    unit: 'executions' as const,
    states: ran.length,
    transitions: ran.reduce((s, [, n]) => s + n, 0),
    depth: ran.reduce((d, [, n]) => Math.max(d, n), 0),
    workers: pool.size,
  };
  if (first !== null) return { ...base, verdict: 'violation', counterexample: first.counterexample };
  if (stopped) return { ...base, verdict: 'incomplete', limit: 'max-seconds' };
  if (cut) return { ...base, verdict: 'incomplete', limit: 'max-depth' };
  return { ...base, verdict: 'pass' };
}
