import type { ActorId, ActorSnap, InFlight, World } from '../domain/index.js';
import type { StepIds } from './expand.js';
import { fmix, hashSeed, messageOfKey, mix, type Fingerprinter } from './fingerprint.js';
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
 * Sets `a[i] = v`, first filling the gap after the array's end: the ids of one kind of content
 * skip those of the others, and V8 turns an array written far past its end into a slow
 * dictionary (the network and message tables had become one, read for every state decoded).
 */
function put<T>(a: (T | undefined)[], i: number, v: T): T {
  while (a.length < i) a.push(undefined);
  a[i] = v;
  return v;
}

/**
 * World vectors in ids every worker thread agrees on. A worker's fingerprint ids (fingerprint.ts)
 * number actor states, messages and networks in the order that worker met them; each is
 * translated once, through the shared intern table, by its content: the actor state's key, the
 * message's receiver and JSON, the network's global message ids. Step ids likewise, by name.
 */
export class GlobalIds {
  private readonly actors: number[][];
  private readonly messages: number[] = [];
  private readonly nets: number[] = [];
  private readonly steps: number[] = [];
  private readonly n: number;
  /** Global id → this thread's canonical snapshot / network / message. */
  private readonly snaps: (ActorSnap | undefined)[] = [];
  private readonly netWorlds: (readonly InFlight[] | undefined)[] = [];
  private readonly inFlight: (InFlight | undefined)[] = [];
  private readonly actorIds: readonly ActorId[];
  /** Global id → the hash of its content (`partHash`). */
  private readonly hashes: (number | undefined)[] = [];

  constructor(
    private readonly fp: Fingerprinter,
    private readonly content: SharedIntern,
    private readonly stepNames: SharedIntern,
    private readonly ids: StepIds,
    initial: World,
    /** The world position `partHash` reads (exchange.ts `partitionPosition`). */
    private readonly part: number,
  ) {
    this.actorIds = initial.actors.map((a) => a.id);
    this.n = fp.width - 1;
    this.actors = Array.from({ length: this.n }, () => []);
  }

  /** Writes the global vector of `world` into `out` and returns its hash (`Fingerprinter.encode`'s hash, over global ids). */
  encode(world: World, out: Uint32Array): number {
    const actors = world.actors;
    let h = hashSeed(this.fp.width);
    for (let p = 0; p < this.n; p++) {
      const id = this.fp.stepperAt(p).idOf(actors[p] as ActorSnap);
      const cache = this.actors[p] as number[];
      let g = cache[id];
      if (g === undefined) {
        g = this.content.intern(KEY.actor(p, this.fp.contentKey(p, id)));
        cache[id] = g;
        if (this.snaps[g] === undefined) put(this.snaps, g, this.fp.stepperAt(p).snapOfId(id));
      }
      out[p] = g;
      h = mix(h, g);
    }
    const net = this.fp.netId(world.net);
    let g = this.nets[net];
    if (g === undefined) {
      const msgs = this.fp.nets[net] as readonly number[];
      g = this.content.intern(KEY.net(msgs.map((m) => this.message(m))));
      this.nets[net] = g;
      if (this.netWorlds[g] === undefined) put(this.netWorlds, g, msgs.map((m) => this.fp.messages[m] as InFlight));
    }
    out[this.n] = g;
    return fmix(mix(h, g));
  }

  /** The hash of the content of the actor state at position `part` of global vector `vec`: the same in every thread. */
  partHash(vec: ArrayLike<number>): number {
    const g = vec[this.part] as number;
    return this.hashes[g] ?? put(this.hashes, g, hashString(this.content.text(g)));
  }

  /** The world of a global vector: actor states and messages first met here are rebuilt from their content. */
  decode(vec: ArrayLike<number>): World {
    const actors: ActorSnap[] = [];
    for (let p = 0; p < this.n; p++) actors.push(this.snaps[vec[p] as number] ?? this.learnSnap(p, vec[p] as number));
    const net = vec[this.n] as number;
    return { actors, net: this.netWorlds[net] ?? this.learnNet(net) };
  }

  private learnSnap(p: number, gid: number): ActorSnap {
    const st = this.fp.stepperAt(p);
    const snap = st.fromKey(this.actorIds[p] as ActorId, bodyOf(this.content.text(gid), KEY.actor(p, '')));
    put(this.snaps, gid, snap);
    (this.actors[p] as number[])[st.idOf(snap)] = gid;
    return snap;
  }

  private learnNet(gid: number): readonly InFlight[] {
    const body = bodyOf(this.content.text(gid), KEY.net([]));
    const msgs = body === '' ? [] : body.split(',').map((m) => this.inFlight[Number(m)] ?? this.learnMessage(Number(m)));
    return put(this.netWorlds, gid, msgs);
  }

  private learnMessage(gid: number): InFlight {
    const m = messageOfKey(bodyOf(this.content.text(gid), KEY.message('')));
    return put(this.inFlight, gid, m);
  }

  /** The global id of local step index `idx`. */
  step(idx: number): number {
    return (this.steps[idx] ??= this.stepNames.intern(this.ids.name(idx)));
  }

  private message(id: number): number {
    let g = this.messages[id];
    if (g === undefined) {
      g = this.content.intern(KEY.message(this.fp.messageKeys[id] as string));
      this.messages[id] = g;
      if (this.inFlight[g] === undefined) put(this.inFlight, g, this.fp.messages[id] as InFlight);
    }
    return g;
  }
}
