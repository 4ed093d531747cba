import type { ActorSnap, InFlight, PostEvent, World } from '../domain/index.js';
import type { Steppers } from '../runtime/step.js';
import type { MachineStepper } from '../runtime/xstateStep.js';
import { canonicalOrder, fmix, mix, type Fingerprinter } from './fingerprint.js';

/**
 * Worlds between worker threads. Interned ids differ from one worker to the next, so a world
 * travels as content hashes: one 52-bit hash per actor state (of its state key) and per message
 * (of its receiver and JSON). The first time a worker sends a hash to another, it sends the
 * content with it; the receiver rebuilds the state and interns it. Every receiver sees the content
 * of every hash it is sent, so two contents with one hash are detected there (and the run stops
 * with an error rather than merging them).
 */
export class HashCollisionError extends Error {
  override readonly name = 'HashCollisionError';
}

/** A 52-bit hash of a string (two independent 32-bit hashes), exact as a JS number. */
export function hash52(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = mix(b, c);
  }
  return (fmix(a) & 0xfffff) * 0x100000000 + fmix(b);
}

/** Definitions a batch carries: actor states [position, hash, key] and messages [hash, key]. */
export interface Defs {
  readonly actors: (readonly [number, number, string])[];
  readonly messages: (readonly [number, string])[];
}

export class Wire {
  private readonly steppers: readonly MachineStepper[];
  private readonly actorHashes: Map<MachineStepper, number[]>;
  private readonly msgHashes: number[] = [];
  /** Per destination: hashes whose content it has been sent. */
  private readonly sent: Set<number>[];
  /** Received or own contents by hash, per position: the local canonical snap and its key. */
  private readonly snaps: Map<number, { snap: ActorSnap; key: string }>[];
  private readonly messages = new Map<number, { msg: InFlight; key: string }>();
  private readonly ids: readonly string[];

  constructor(
    private readonly model: Steppers,
    private readonly fp: Fingerprinter,
    initial: World,
    peers: number,
  ) {
    this.steppers = model.byPosition;
    this.actorHashes = new Map(this.steppers.map((s) => [s, []]));
    this.sent = Array.from({ length: peers }, () => new Set<number>());
    this.snaps = this.steppers.map(() => new Map());
    this.ids = initial.actors.map((a) => a.id);
  }

  /** The hash of the state of the actor at `pos` (and remember its content for decoding). */
  actorHash(pos: number, snap: ActorSnap): number {
    const st = this.steppers[pos] as MachineStepper;
    const id = st.idOf(snap);
    const cache = this.actorHashes.get(st) as number[];
    let h = cache[id];
    if (h === undefined) {
      const key = st.keyOfId(id);
      h = hash52(key);
      cache[id] = h;
      this.learn(pos, h, key, st.snapOfId(id));
    }
    return h;
  }

  messageHash(m: InFlight): number {
    const id = this.fp.messageId(m);
    let h = this.msgHashes[id];
    if (h === undefined) {
      const key = messageKey(m);
      h = hash52(key);
      this.msgHashes[id] = h;
      this.learnMessage(h, key, this.fp.messages[id] as InFlight);
    }
    return h;
  }

  /** The world's hashes: one per actor, then the network's message count and its messages in canonical order. */
  encode(world: World, out: number[]): void {
    for (let p = 0; p < world.actors.length; p++) out.push(this.actorHash(p, world.actors[p] as ActorSnap));
    const net = canonicalOrder(world.net);
    out.push(net.length);
    for (const m of net) out.push(this.messageHash(m));
  }

  /** Which worker owns the world a vector of hashes (from `encode`) stands for. */
  static owner(hashes: ArrayLike<number>, from: number, to: number, workers: number): number {
    let h = 0x2545f491;
    for (let i = from; i < to; i++) {
      const v = hashes[i] as number;
      h = mix(mix(h, v >>> 0), Math.floor(v / 0x100000000));
    }
    return fmix(h) % workers;
  }

  /** The contents `dest` has not been sent yet, for the hashes in `hashes[from..to)` (an encoded world). */
  defsFor(dest: number, hashes: ArrayLike<number>, from: number, defs: Defs): void {
    const sent = this.sent[dest] as Set<number>;
    const n = this.steppers.length;
    for (let p = 0; p < n; p++) {
      const h = hashes[from + p] as number;
      if (sent.has(h)) continue;
      sent.add(h);
      defs.actors.push([p, h, (this.snaps[p]?.get(h) as { key: string }).key]);
    }
    const len = hashes[from + n] as number;
    for (let i = 0; i < len; i++) {
      const h = hashes[from + n + 1 + i] as number;
      if (sent.has(h)) continue;
      sent.add(h);
      defs.messages.push([h, (this.messages.get(h) as { key: string }).key]);
    }
  }

  /** Takes in the contents a batch carries. */
  receive(defs: Defs): void {
    for (const [pos, h, key] of defs.actors) {
      const known = this.snaps[pos]?.get(h);
      if (known !== undefined) {
        if (known.key !== key) throw new HashCollisionError(`two states of ${this.ids[pos]} share hash ${h}; run with --workers 1`);
        continue;
      }
      const [value, rest] = JSON.parse(key) as [ActorSnap['value'], Record<string, unknown>];
      const st = this.steppers[pos] as MachineStepper;
      const snap = st.canonical({ id: this.ids[pos] as string, kind: st.kind, value, context: { ...rest, out: [] } });
      this.learn(pos, h, key, snap);
    }
    for (const [h, key] of defs.messages) {
      const known = this.messages.get(h);
      if (known !== undefined) {
        if (known.key !== key) throw new HashCollisionError(`two messages share hash ${h}; run with --workers 1`);
        continue;
      }
      const sep = key.indexOf('\u0000');
      this.learnMessage(h, key, { to: key.slice(0, sep), event: JSON.parse(key.slice(sep + 1)) as PostEvent });
    }
  }

  /** The world of an encoded vector (all of whose contents are known). */
  decode(hashes: ArrayLike<number>, from: number): World {
    const n = this.steppers.length;
    const actors: ActorSnap[] = [];
    for (let p = 0; p < n; p++) {
      const e = this.snaps[p]?.get(hashes[from + p] as number);
      if (e === undefined) throw new Error(`no content for hash ${hashes[from + p]} of ${this.ids[p]}`);
      actors.push(e.snap);
    }
    const len = hashes[from + n] as number;
    const net: InFlight[] = [];
    for (let i = 0; i < len; i++) {
      const e = this.messages.get(hashes[from + n + 1 + i] as number);
      if (e === undefined) throw new Error('no content for a message hash');
      net.push(e.msg);
    }
    return { actors, net };
  }

  private learn(pos: number, h: number, key: string, snap: ActorSnap): void {
    const m = this.snaps[pos] as Map<number, { snap: ActorSnap; key: string }>;
    const known = m.get(h);
    if (known !== undefined && known.key !== key) throw new HashCollisionError(`two states of ${this.ids[pos]} share hash ${h}; run with --workers 1`);
    if (known === undefined) m.set(h, { snap, key });
    // A received state is interned; remember its hash so it is not hashed again.
    const st = this.steppers[pos] as MachineStepper;
    (this.actorHashes.get(st) as number[])[st.idOf(snap)] = h;
  }

  private learnMessage(h: number, key: string, msg: InFlight): void {
    const known = this.messages.get(h);
    if (known !== undefined && known.key !== key) throw new HashCollisionError(`two messages share hash ${h}; run with --workers 1`);
    if (known === undefined) this.messages.set(h, { msg, key });
  }
}

function messageKey(m: InFlight): string {
  return `${m.to}\u0000${JSON.stringify(m.event)}`;
}
