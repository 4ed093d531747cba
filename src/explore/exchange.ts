import type { ActorKind } from '../domain/index.js';
import type { Batch, CandidateKey } from './protocol.js';

/**
 * How a parallel bfs splits the visited set (parallel.ts): each state belongs to one worker,
 * and only that worker stores and expands it, so no table is written by two threads. Successors
 * owned elsewhere travel in batches, once per level.
 *
 * A world's owner is chosen by the state of one actor, the kernel mm's, not by the whole world:
 * expanding a world reads each actor state's memoized transitions and property views, and split
 * by whole-world hash every worker met nearly every kernel state, each level, so each did about
 * the work of the whole search on half the worlds (measured on peer-3cpu-1gpu, run one worker
 * after the other: 8.7 s each against 11.2 s for one worker alone). Split by the kernel mm's
 * state, which has far more distinct states than any other actor, each worker expands only the
 * worlds of its own half of them (5.5 s each), and steps that leave it unchanged stay on their
 * worker. It still meets most kernel states as successors it sends on (92% on peer-3cpu-1gpu).
 */

/** The world position whose actor state picks a world's owner: the kernel mm's (else the first). */
export function partitionPosition(kinds: readonly ActorKind[]): number {
  return Math.max(0, kinds.indexOf('kernelMm'));
}

/** The worker that owns a world whose partition actor's content hashes to `hash`: its top bits. */
export function ownerOf(hash: number, workers: number): number {
  return Math.floor(((hash >>> 0) * workers) / 0x100000000);
}

/** A state's id across workers: its owner's own store id, interleaved with the other workers'. */
export function globalId(local: number, worker: number, workers: number): number {
  return local * workers + worker;
}

/** The worker that owns the state of global id `id`, and its id there. */
export function ownerOfId(id: number, workers: number): number {
  return id % workers;
}
export function localId(id: number, workers: number): number {
  return Math.floor(id / workers);
}

/**
 * The order the main thread reports violations in: shortest first, then the lowest state id (ids
 * do not depend on timing), then the step's name. A worker skips checks that cannot come first.
 */
export function candidateOrder(a: CandidateKey, b: CandidateKey): number {
  return a.length - b.length || a.state - b.state || (a.step ?? '').localeCompare(b.step ?? '');
}

/** The candidate reported first (`candidateOrder`) of a non-empty list. */
export function firstCandidate<C extends CandidateKey>(cs: readonly C[]): C {
  return cs.reduce((best, c) => (candidateOrder(c, best) < 0 ? c : best));
}

/** Header words of a record: the parent's global id, the step's global id (bit 31: a progress step). */
export const RECORD = 2;
const PROGRESS = 0x80000000;

/** Successors bound for one other worker, as Uint32 records: the header, then the global vector (globalIds.ts). */
export class Outbox {
  private words = new Uint32Array(1 << 12);
  private used = 0;

  constructor(private readonly width: number) {}

  push(parent: number, step: number, progress: boolean, vec: Uint32Array): void {
    if (this.used + RECORD + this.width > this.words.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words.subarray(0, this.used));
      this.words = w;
    }
    const w = this.words;
    let at = this.used;
    w[at++] = parent;
    w[at++] = progress ? (step | PROGRESS) >>> 0 : step;
    for (let i = 0; i < this.width; i++) w[at++] = vec[i] as number;
    this.used = at;
  }

  /** The batch so far, handed over (its buffer is transferred); the outbox starts again, as large. */
  take(): Batch {
    if (this.used === 0) return emptyBatch();
    const batch = { buffer: this.words.buffer as ArrayBuffer, words: this.used };
    this.words = new Uint32Array(this.words.length);
    this.used = 0;
    return batch;
  }
}

/** A batch of no records (a fresh buffer each time: a transferred buffer cannot be sent again). */
export function emptyBatch(): Batch {
  return { buffer: new ArrayBuffer(0), words: 0 };
}

/** Reads a batch's records in order: each `next` fills `vec` and the header fields. */
export class BatchReader {
  parent = 0;
  step = 0;
  progress = false;
  private at = 0;
  private readonly words: Uint32Array;

  constructor(batch: Batch, private readonly width: number) {
    this.words = new Uint32Array(batch.buffer, 0, batch.words);
  }

  /** The next record into `vec` and the fields; false after the last. */
  next(vec: Uint32Array): boolean {
    const w = this.words;
    let at = this.at;
    if (at >= w.length) return false;
    this.parent = w[at++] as number;
    const step = w[at++] as number;
    this.step = (step & ~PROGRESS) >>> 0;
    this.progress = (step & PROGRESS) !== 0;
    for (let i = 0; i < this.width; i++) vec[i] = w[at++] as number;
    this.at = at;
    return true;
  }
}
