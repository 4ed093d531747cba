import type { ActorId, InFlight, PostEvent, World } from '../domain/index.js';
import type { Steppers } from '../runtime/step.js';
import type { MachineStepper } from '../runtime/xstateStep.js';

/**
 * A world as a short vector of small integers: each actor's interned state id (MachineStepper
 * hash-conses actor states, so equal states are one object with one id) and one id for the
 * network. Equal worlds give equal vectors and different worlds different ones: the vector IS the
 * state, not a lossy hash of it, so the visited set built on it is exact.
 *
 * The network is put in a canonical order first: messages are FIFO only per (sender, receiver)
 * pair and a step always takes the oldest message of one pair, so two worlds whose queues differ
 * only in how different pairs interleave have the same future; they are one state.
 */
export class Fingerprinter {
  /** Vector length: one id per actor, then the network. */
  readonly width: number;
  private readonly steppers: readonly MachineStepper[];
  private readonly msgByEvent = new WeakMap<object, Map<ActorId, number>>();
  private readonly msgByKey = new Map<string, number>();
  private readonly netByKey = new Map<string, number>([['', 0]]);
  /** Network ids of one-message networks, by message id. */
  private readonly singleNets: number[] = [];
  /** Message ids to their content (`decode`, and the shared ids of parallel workers). */
  readonly messages: InFlight[] = [];
  /** Message ids to their content keys (`messageKey`). */
  readonly messageKeys: string[] = [];
  /** Network ids to their canonical message ids. */
  readonly nets: (readonly number[])[] = [[]];

  constructor(steppers: Steppers) {
    this.steppers = steppers.byPosition;
    this.width = steppers.byPosition.length + 1;
  }

  stepperAt(pos: number): MachineStepper {
    return this.steppers[pos] as MachineStepper;
  }

  /** The content key of vector entry `v` at `pos` (equal across processes for equal states). */
  contentKey(pos: number, v: number): string {
    return (this.steppers[pos] as MachineStepper).keyOfId(v);
  }

  /** Writes the vector of `world` into `out[0..width)` and returns its hash (`vectorHash`). */
  encode(world: World, out: Uint32Array): number {
    const actors = world.actors;
    const n = this.steppers.length;
    for (let i = 0; i < n; i++) out[i] = (this.steppers[i] as MachineStepper).idOf(actors[i] as World['actors'][number]);
    out[n] = this.netId(world.net);
    return vectorHash(out, this.width);
  }

  /** The id of a network (its canonical message order). */
  netId(net: readonly InFlight[]): number {
    if (net.length === 0) return 0;
    // One message in flight is the common non-empty case: its network id by message id, without
    // building and looking up a key string (performance).
    if (net.length === 1) {
      const m = this.messageId(net[0] as InFlight);
      return (this.singleNets[m] ??= this.netOfIds([m]));
    }
    // No cache per network array: they are fresh per step, and a WeakMap entry for each of them
    // was garbage-collector work (ephemerons) out of proportion to the rare hit.
    return this.netOfIds(canonicalOrder(net).map((m) => this.messageId(m)));
  }

  private netOfIds(ids: readonly number[]): number {
    const key = ids.join(',');
    let id = this.netByKey.get(key);
    if (id === undefined) {
      id = this.nets.length;
      this.nets.push(ids);
      this.netByKey.set(key, id);
    }
    return id;
  }

  /** The last message looked up (performance): a message stays in flight across many steps. */
  private lastMsg: InFlight | null = null;
  private lastMsgId = -1;

  /** A stable id per distinct (receiver, event); events from memoized transitions are shared objects. */
  messageId(m: InFlight): number {
    if (m === this.lastMsg) return this.lastMsgId;
    const id = this.messageIdOf(m);
    this.lastMsg = m;
    this.lastMsgId = id;
    return id;
  }

  private messageIdOf(m: InFlight): number {
    let byTo = this.msgByEvent.get(m.event);
    const hit = byTo?.get(m.to);
    if (hit !== undefined) return hit;
    const key = messageKey(m);
    let id = this.msgByKey.get(key);
    if (id === undefined) {
      id = this.messages.length;
      this.messages.push(m);
      this.messageKeys.push(key);
      this.msgByKey.set(key, id);
    }
    if (byTo === undefined) {
      byTo = new Map();
      this.msgByEvent.set(m.event, byTo);
    }
    byTo.set(m.to, id);
    return id;
  }

  /** The world a vector stands for (actor states by id, network by id). */
  decode(vec: ArrayLike<number>): World {
    const n = this.steppers.length;
    const actors = [];
    for (let i = 0; i < n; i++) actors.push((this.steppers[i] as MachineStepper).snapOfId(vec[i] as number));
    const ids = this.nets[vec[n] as number];
    if (ids === undefined) throw new RangeError(`no network with id ${vec[n]}`);
    return { actors, net: ids.map((id) => this.messages[id] as InFlight) };
  }
}

/** A message's content: its receiver and its event's JSON (equal across threads for equal messages). */
function messageKey(m: InFlight): string {
  return `${m.to}\u0000${JSON.stringify(m.event)}`;
}

/** The message a `messageKey` stands for. */
export function messageOfKey(key: string): InFlight {
  const sep = key.indexOf('\u0000');
  return { to: key.slice(0, sep), event: JSON.parse(key.slice(sep + 1)) as PostEvent };
}

/** Messages grouped per (receiver, sender) pair in a fixed pair order, FIFO inside each pair. */
export function canonicalOrder(net: readonly InFlight[]): readonly InFlight[] {
  if (net.length < 2) return net;
  const pairs = new Map<string, InFlight[]>();
  for (const m of net) {
    const k = `${m.to}<${m.event.from}`;
    const q = pairs.get(k);
    if (q === undefined) pairs.set(k, [m]);
    else q.push(m);
  }
  if (pairs.size === 1) return net;
  return [...pairs.keys()].sort().flatMap((k) => pairs.get(k) as InFlight[]);
}

/** A vector's 32-bit hash: MurmurHash3's mix of each id, then its finaliser. */
export function vectorHash(vec: ArrayLike<number>, width: number): number {
  let h = hashSeed(width);
  for (let i = 0; i < width; i++) h = mix(h, vec[i] as number);
  return fmix(h);
}

/** The start of a hash (`vectorHash`, sharedTables.ts `hashString`). */
export function hashSeed(width: number): number {
  return 0x9747b28c ^ width;
}

/** MurmurHash3's 32-bit block mix and finaliser. */
export function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
