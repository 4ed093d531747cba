import type { ActorId, InFlight } from '../domain/index.js';
import type { StepIds } from './expand.js';
import { messageOfKey, type Fingerprinter } from './fingerprint.js';
import { hashString, type SharedIntern } from './sharedTables.js';

/** The shared table's keys: one namespace per kind of content, so equal texts of two kinds never meet. */
const KEY = {
  actor: (pos: number, stateKey: string): string => `a${pos}\u0001${stateKey}`,
  net: (messageIds: readonly number[]): string => `n\u0001${messageIds.join(',')}`,
  message: (messageKey: string): string => `m\u0001${messageKey}`,
};

/** The content after a key's namespace prefix. */
function bodyOf(key: string, prefix: string): string {
  if (!key.startsWith(prefix)) throw new Error(`shared id of '${key.slice(0, 20)}' is not a '${prefix}' key`);
  return key.slice(prefix.length);
}

/**
 * Sets `a[i] = v`, first filling the gap after the array's end: ids are not met in order, and
 * V8 turns an array written far past its end into a slow dictionary (measured: the tables of an
 * earlier version had become one, read for every state).
 */
function put<T>(a: (T | undefined)[], i: number, v: T): T {
  while (a.length < i) a.push(undefined);
  a[i] = v;
  return v;
}

/**
 * World vectors between this worker's fingerprint ids and ids every worker agrees on. A worker
 * stores and expands its worlds in its own fingerprint ids (fingerprint.ts: actor states,
 * messages and networks numbered in the order it met them), exactly as one-worker bfs does; only
 * successors bound for another worker travel in global ids: each local id is translated once,
 * through the shared intern table, by its content (the actor state's key, the message's receiver
 * and JSON, the network's global message ids), and each global id it receives once back.
 */
export class GlobalIds {
  /** Local id → global id: per actor position, per message, per network. */
  private readonly actors: (number | undefined)[][];
  private readonly messages: (number | undefined)[] = [];
  private readonly nets: (number | undefined)[] = [];
  /** Global id → local id, for every kind (the key namespaces keep the kinds' global ids apart). */
  private readonly local: (number | undefined)[] = [];
  private readonly steps: number[] = [];
  /** Local state id at the partition position → the hash of its content (`partHash`). */
  private readonly hashes: (number | undefined)[] = [];
  private readonly n: number;
  private readonly actorIds: readonly ActorId[];

  constructor(
    private readonly fp: Fingerprinter,
    private readonly content: SharedIntern,
    private readonly stepNames: SharedIntern,
    private readonly ids: StepIds,
    actorIds: readonly ActorId[],
    /** The world position `partHash` reads (exchange.ts `partitionPosition`). */
    private readonly part: number,
  ) {
    this.actorIds = actorIds;
    this.n = fp.width - 1;
    this.actors = Array.from({ length: this.n }, () => []);
  }

  /** The hash of the content of the actor state at the partition position of local vector `vec`: the same in every worker. */
  partHash(vec: ArrayLike<number>): number {
    const id = vec[this.part] as number;
    return this.hashes[id] ?? put(this.hashes, id, hashString(this.fp.contentKey(this.part, id)));
  }

  /** Writes the global vector of local vector `vec` into `out`. */
  globalize(vec: ArrayLike<number>, out: Uint32Array): void {
    for (let p = 0; p < this.n; p++) {
      const id = vec[p] as number;
      out[p] = (this.actors[p] as (number | undefined)[])[id] ?? this.globalActor(p, id);
    }
    const net = vec[this.n] as number;
    out[this.n] = this.nets[net] ?? this.globalNet(net);
  }

  /** Writes the local vector of global vector `vec` into `out`: states and messages first met here are rebuilt from their content. */
  localize(vec: ArrayLike<number>, out: Uint32Array): void {
    for (let p = 0; p < this.n; p++) {
      const g = vec[p] as number;
      out[p] = this.local[g] ?? this.learnActor(p, g);
    }
    const g = vec[this.n] as number;
    out[this.n] = this.local[g] ?? this.learnNet(g);
  }

  /** The global id of local step index `idx`. */
  step(idx: number): number {
    return (this.steps[idx] ??= this.stepNames.intern(this.ids.name(idx)));
  }

  private globalActor(p: number, id: number): number {
    const g = this.content.intern(KEY.actor(p, this.fp.contentKey(p, id)));
    put(this.local, g, id);
    return put(this.actors[p] as (number | undefined)[], id, g);
  }

  private globalNet(net: number): number {
    const msgs = (this.fp.nets[net] as readonly number[]).map((m) => this.messages[m] ?? this.globalMessage(m));
    const g = this.content.intern(KEY.net(msgs));
    put(this.local, g, net);
    return put(this.nets, net, g);
  }

  private globalMessage(m: number): number {
    const g = this.content.intern(KEY.message(this.fp.messageKeys[m] as string));
    put(this.local, g, m);
    return put(this.messages, m, g);
  }

  private learnActor(p: number, g: number): number {
    const st = this.fp.stepperAt(p);
    const id = st.idOf(st.fromKey(this.actorIds[p] as ActorId, bodyOf(this.content.text(g), KEY.actor(p, ''))));
    put(this.actors[p] as (number | undefined)[], id, g);
    return put(this.local, g, id);
  }

  private learnNet(g: number): number {
    const body = bodyOf(this.content.text(g), KEY.net([]));
    const msgs = body === '' ? [] : body.split(',').map((m) => this.fp.messages[this.local[Number(m)] ?? this.learnMessage(Number(m))] as InFlight);
    const net = this.fp.netId(msgs);
    put(this.nets, net, g);
    return put(this.local, g, net);
  }

  private learnMessage(g: number): number {
    const m = this.fp.messageId(messageOfKey(bodyOf(this.content.text(g), KEY.message(''))));
    put(this.messages, m, g);
    return put(this.local, g, m);
  }
}
