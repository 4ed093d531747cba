import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { buildModel } from '../runtime/build.js';
import { Budget } from './budget.js';
import { StepIds } from './expand.js';
import { StateGraph } from './graph.js';
import { channelPositions, livenessOf } from './liveness.js';
import { firstCandidate, ownerOfId } from './exchange.js';
import type { Batch, Candidate, FromWorker, LevelDone, ToWorker, WorkerSetup } from './protocol.js';
import { SharedIntern } from './sharedTables.js';
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

  constructor(setup: WorkerSetup, readonly size: number, private readonly tick: () => void, tables: WorkerData['tables']) {
    const shared = new SharedArrayBuffer(16);
    this.flags = new Int32Array(shared);
    this.flags[2] = 0x7fffffff;
    for (let i = 0; i < size; i++) {
      const ch = new MessageChannel();
      const data: WorkerData & { entry: string } = { setup, index: i, workers: size, main: ch.port2, shared, tables, entry: WORKER_ENTRY };
      // A young generation as large as the main thread's: with the worker default, scavenges
      // promoted each level's short-lived worlds and took ~10% more of a parallel bfs (measured).
      const resourceLimits = { maxYoungGenerationSizeMb: 48 };
      const worker = new Worker(BOOT, { eval: true, workerData: data, transferList: [ch.port2], resourceLimits });
      worker.unref();
      this.handles.push({ worker, port: ch.port1 });
    }
  }

  send(i: number, m: ToWorker): void {
    // Inboxes move to the worker without a copy.
    this.handles[i]?.port.postMessage(m, m.type === 'level' || m.type === 'absorb' ? m.inbox.map((b) => b.buffer) : []);
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
    return this.each(() => m, timeoutMs);
  }

  /** Sends each worker its own message, then waits for every answer. */
  each(m: (i: number) => ToWorker, timeoutMs?: number): FromWorker[] {
    for (let i = 0; i < this.size; i++) this.send(i, m(i));
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
 * `--workers N`: the same exploration split over worker threads. bfs: level by level; each worker
 * owns the states whose kernel mm state falls to it (exchange.ts) and stores them privately, in
 * its own ids. It expands its own states of the level and sends each successor another worker
 * owns to that worker, in ids all workers agree on (globalIds.ts), to be inserted at the start of
 * the next level.
 * Every distinct state is stored once, by its owner, so the verdict and the distinct-state count
 * are those of one worker; the order of insertion does not depend on timing, so neither do ids.
 * random and pct: execution i runs on worker i mod N; the first violating execution is the same
 * as with one worker. The counterexample is rebuilt on the main thread and replayed there.
 */
export function exploreParallel(input: ParallelInput, opts: ExploreOptions, workers: number): ExploreResult {
  const model = buildModel(input.scenario, { variant: input.variant, mutations: input.mutations });
  const target = targetOf(model, input.target);
  const budget = new Budget(opts);
  const walks = opts.strategy === 'random' || opts.strategy === 'pct';
  // Only a bfs shares tables; random and pct walks share nothing but the first violating execution.
  const bfs = walks ? null : { content: new SharedIntern(), steps: new SharedIntern() };
  let stopForTime = (): void => {};
  const tables = bfs === null ? null : { content: bfs.content.buffers, steps: bfs.steps.buffers };
  const pool = new Pool(input, workers, () => stopForTime(), tables);
  stopForTime = (): void => {
    if (budget.tick(lastProgress, true)) pool.stop();
  };
  let lastProgress = (): Progress => ({ states: 0, transitions: 0, depth: 0, frontier: 0, seconds: budget.seconds });
  try {
    const r = bfs === null ? parallelWalks(pool, target, opts) : parallelBfs(pool, target, opts, bfs.steps, (p) => (lastProgress = p));
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

function parallelBfs(pool: Pool, target: ExploreTarget, opts: ExploreOptions, steps: SharedIntern, onLevel: (p: () => Progress) => void): ExploreResult {
  const budget = new Budget({ ...opts, onProgress: undefined });
  const n = pool.size;
  const ready = pool.all({ type: 'init' }, START_TIMEOUT_MS);
  let candidates: readonly Candidate[] = ready.flatMap((m) => (m.type === 'ready' ? m.candidates : []));
  let states = ready.reduce((a, m) => a + (m.type === 'ready' ? m.states : 0), 0);
  let transitions = 0;
  let depth = 0;
  let frontier = 1;
  let limit: ExploreResult['limit'];
  // inboxes[w]: what the other workers sent w in the last level.
  let inboxes: Batch[][] = Array.from({ length: n }, () => []);
  const progress = (): Progress => ({ states, transitions, depth, frontier, seconds: budget.seconds });
  const level = (m: (inbox: Batch[]) => ToWorker): Level => {
    const r = levelOf(pool.each((w) => m(inboxes[w] as Batch[])), n);
    inboxes = r.inboxes;
    return r;
  };
  onLevel(progress);
  while (candidates.length === 0) {
    const expand = opts.maxDepth === undefined || depth < opts.maxDepth;
    const r = level((inbox) => ({ type: 'level', depth, expand, inbox }));
    if (r.inboxCandidates.length > 0) {
      // States of this depth violate: one worker would have found them inserting them, in the
      // last level, and not expanded this one.
      candidates = r.inboxCandidates;
      states = r.statesBeforeExpand;
      depth--;
      break;
    }
    if (r.expanded === 0 && depth > 0 && !r.stopped) {
      // Every state of this depth had been seen before: the last level was the deepest.
      depth--;
      break;
    }
    states = r.states;
    transitions += r.transitions;
    frontier = r.expanded;
    opts.onProgress?.(progress());
    if (r.stopped) {
      limit = 'max-seconds';
      break;
    }
    if (r.cut) limit ??= 'max-depth';
    if (r.candidates.length > 0) {
      // The next depth's states other workers found, inserted and checked too, as one worker would have.
      const { length, state, step } = firstCandidate(r.candidates);
      const rest = level((inbox) => ({ type: 'absorb', depth: depth + 1, inbox, found: { length, state, step } }));
      candidates = [...r.candidates, ...rest.inboxCandidates];
      states = rest.states;
      break;
    }
    if (!expand || r.pending === 0) break;
    if (opts.maxStates !== undefined && states > opts.maxStates) {
      limit = 'max-states';
      break;
    }
    depth++;
  }
  const base = { strategy: 'bfs' as const, unit: 'states' as const, states, transitions, depth, workers: n };
  if (candidates.length > 0) {
    const best = firstCandidate(candidates);
    const path = pathTo(pool, best.state, steps);
    if (best.step !== null) path.push(best.step);
    return { ...base, verdict: 'violation', counterexample: { violation: best.violation, choices: path } };
  }
  if (limit !== undefined) return { ...base, verdict: 'incomplete', limit };
  if (target.liveness) {
    const lasso = parallelLiveness(pool, target);
    if (lasso !== null) return { ...base, verdict: 'violation', counterexample: lasso };
  }
  return { ...base, verdict: 'pass' };
}

/** One level's answers, summed over the workers. */
interface Level extends Omit<LevelDone, 'type' | 'next' | 'outbox'> {
  /** Nonzero when the next depth may have states: the workers' own new ones and the words sent. */
  readonly pending: number;
  /** What each worker is sent next (inboxes[w]: the batches for w, in sender order). */
  readonly inboxes: Batch[][];
}

function levelOf(done: readonly FromWorker[], n: number): Level {
  const inboxes: Batch[][] = Array.from({ length: n }, () => []);
  let r = { transitions: 0, states: 0, statesBeforeExpand: 0, expanded: 0, pending: 0, cut: false, stopped: false };
  const inboxCandidates: Candidate[] = [];
  const candidates: Candidate[] = [];
  for (const m of done) {
    if (m.type !== 'level-done') continue;
    r = {
      transitions: r.transitions + m.transitions,
      states: r.states + m.states,
      statesBeforeExpand: r.statesBeforeExpand + m.statesBeforeExpand,
      expanded: r.expanded + m.expanded,
      pending: r.pending + m.next + m.outbox.reduce((k, b) => k + b.words, 0),
      cut: r.cut || m.cut,
      stopped: r.stopped || m.stopped,
    };
    inboxCandidates.push(...m.inboxCandidates);
    candidates.push(...m.candidates);
    m.outbox.forEach((b, to) => {
      if (b.words > 0) inboxes[to]?.push(b);
    });
  }
  return { ...r, inboxCandidates, candidates, inboxes };
}

/** The step names from the initial state to global state `state`, asking each state's owner for its parent. */
function pathTo(pool: Pool, state: number, steps: SharedIntern): string[] {
  const path: string[] = [];
  for (let s = state; ; ) {
    const owner = ownerOfId(s, pool.size);
    pool.send(owner, { type: 'parent', state: s });
    const m = pool.receive(owner);
    if (m.type !== 'parent') throw new Error(`worker ${owner} answered '${m.type}' to 'parent'`);
    if (m.parent < 0) break;
    path.push(steps.text(m.step));
    s = m.parent;
  }
  return path.reverse();
}

/** gpu-progress (b) over the graphs the workers kept (in global state ids), joined on the main thread. */
function parallelLiveness(pool: Pool, target: ExploreTarget): Counterexample | null {
  const g = new StateGraph();
  const ids = new StepIds(target.steppers.index);
  for (const m of pool.all({ type: 'graph' })) {
    if (m.type !== 'graph') continue;
    const names = m.names.map((n) => ids.idx(n));
    for (let e = 0; e < m.src.length; e++) g.addEdge(m.src[e] as number, m.dst[e] as number, names[m.step[e] as number] as number, m.progress[e] === 1);
    for (let i = 0; i < m.states.length; i++) g.setState(m.states[i] as number, m.enabled[i] as number, m.progressing[i] as number, m.pending[i] as number);
  }
  return livenessOf(target, g, ids, channelPositions(target.kinds));
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
