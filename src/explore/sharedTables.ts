import { fmix, hashSeed, mix } from './fingerprint.js';
import { packVector, tagOf, unpackVector } from './store.js';

/**
 * The tables worker threads share for a parallel breadth-first search (parallel.ts): growable
 * SharedArrayBuffers, so every thread's views see a table grow without being handed new buffers.
 *
 * - `SharedIntern`: strings (actor-state keys, messages, networks, step ids) to dense global ids.
 *   Each worker interns a local id once and caches the answer, so the lock is taken rarely.
 * - `SharedStore`: the visited set over vectors of global ids, with parents and choices. Workers
 *   insert concurrently (a slot is claimed by compare-and-swap); a level's new states are one id
 *   range, which workers claim in chunks and rebuild from their vectors, so no world object
 *   travels between threads. It only grows between levels (`reserve`), when no worker is inserting.
 */

/** Bytes reserved (address space only) for a growable buffer; pages are committed as it grows. */
const MAX_BYTES = 2 ** 31;

function growable(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes, { maxByteLength: MAX_BYTES });
}

/** Grows `buf` to hold at least `bytes` (doubling), in place: views over it track its length. */
function ensureBytes(buf: SharedArrayBuffer, bytes: number): void {
  if (buf.byteLength >= bytes) return;
  let n = buf.byteLength;
  while (n < bytes) n *= 2;
  if (n > MAX_BYTES) throw new RangeError(`shared table over ${MAX_BYTES} bytes; run with --workers 1`);
  buf.grow(n);
}

/**
 * A view of the buffer's current length. Views that track a growable buffer's length are an order
 * of magnitude slower to index in this V8 (measured), so views are fixed and made again after a
 * buffer grows.
 */
function fixed<V>(View: { new (b: SharedArrayBuffer, offset: number, length: number): V; readonly BYTES_PER_ELEMENT: number }, buf: SharedArrayBuffer): V {
  return new View(buf, 0, Math.floor(buf.byteLength / View.BYTES_PER_ELEMENT));
}

function hashString(s: string): number {
  let h = hashSeed(s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return fmix(h);
}

/** What both shared tables hold: control slots, an open-addressing table, and per id its record's offset and hash. */
interface HashedBuffers {
  readonly ctl: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
  readonly offs: SharedArrayBuffer;
  readonly hashes: SharedArrayBuffer;
}

/** The buffers of a SharedIntern, as posted to a worker. */
export interface InternBuffers extends HashedBuffers {
  readonly chars: SharedArrayBuffer;
}

// ctl slots of SharedIntern.
const LOCK = 0;
const COUNT = 1;
const USED = 2;

export class SharedIntern {
  private readonly ctl: Int32Array;
  private table!: Int32Array;
  private offs!: Uint32Array;
  private hashes!: Uint32Array;
  private chars!: Uint16Array;

  constructor(readonly buffers: InternBuffers = { ctl: new SharedArrayBuffer(16), table: growable(4 << 10), offs: growable(4 << 10), hashes: growable(4 << 10), chars: growable(64 << 10) }) {
    this.ctl = new Int32Array(buffers.ctl);
    this.refresh();
  }

  /** Fixed-length views over the buffers as they are now (see `fixed`); under the lock, after any thread grew them. */
  private refresh(): void {
    if (this.chars?.byteLength === this.buffers.chars.byteLength && this.table.byteLength === this.buffers.table.byteLength && this.offs.byteLength === this.buffers.offs.byteLength) return;
    this.table = fixed(Int32Array, this.buffers.table);
    this.offs = fixed(Uint32Array, this.buffers.offs);
    this.hashes = fixed(Uint32Array, this.buffers.hashes);
    this.chars = fixed(Uint16Array, this.buffers.chars);
  }

  /** The global id of `s`, adding it if new. */
  intern(s: string): number {
    const h = hashString(s);
    this.lock();
    try {
      const mask = this.table.length - 1;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const e = this.table[slot] as number;
        if (e === 0) return this.add(s, h, slot);
        if (this.hashes[e - 1] === h && this.equals(e - 1, s)) return e - 1;
      }
    } finally {
      this.unlock();
    }
  }

  /** The string with global id `id`. */
  text(id: number): string {
    this.lock();
    try {
      const start = this.offs[id] as number;
      const end = this.end(id);
      let out = '';
      for (let i = start; i < end; i += 4096) out += String.fromCharCode(...this.chars.subarray(i, Math.min(end, i + 4096)));
      return out;
    } finally {
      this.unlock();
    }
  }

  private add(s: string, h: number, slot: number): number {
    const id = this.ctl[COUNT] as number;
    const used = this.ctl[USED] as number;
    ensureBytes(this.buffers.chars, (used + s.length) * 2);
    ensureBytes(this.buffers.offs, (id + 1) * 4);
    ensureBytes(this.buffers.hashes, (id + 1) * 4);
    this.refresh();
    for (let i = 0; i < s.length; i++) this.chars[used + i] = s.charCodeAt(i);
    this.offs[id] = used;
    this.hashes[id] = h;
    this.ctl[USED] = used + s.length;
    this.ctl[COUNT] = id + 1;
    this.table[slot] = id + 1;
    if ((id + 1) * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const n = this.table.length * 2;
    ensureBytes(this.buffers.table, n * 4);
    this.refresh();
    this.table.fill(0);
    const mask = n - 1;
    const count = this.ctl[COUNT] as number;
    for (let id = 0; id < count; id++) {
      let slot = (this.hashes[id] as number) & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = id + 1;
    }
  }

  /** Where string `id`'s characters end: the next one's start, or the characters used so far. */
  private end(id: number): number {
    return id + 1 < (this.ctl[COUNT] as number) ? (this.offs[id + 1] as number) : (this.ctl[USED] as number);
  }

  private equals(id: number, s: string): boolean {
    const start = this.offs[id] as number;
    const end = this.end(id);
    if (end - start !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (this.chars[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private lock(): void {
    while (Atomics.compareExchange(this.ctl, LOCK, 0, 1) !== 0) Atomics.wait(this.ctl, LOCK, 1, 1);
    this.refresh();
  }

  private unlock(): void {
    Atomics.store(this.ctl, LOCK, 0);
    Atomics.notify(this.ctl, LOCK, 1);
  }
}

/** The buffers of a SharedStore, as posted to a worker. */
export interface StoreBuffers extends HashedBuffers {
  readonly parent: SharedArrayBuffer;
  readonly choice: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
}

// ctl slots of SharedStore.
const SIZE = 0;
const BYTES = 1;
/** Table entry of a slot whose state is being written. */
const BUSY = -1;

/**
 * Vectors LEB128-packed as in store.ts, each arena record led by its byte count. Table entries:
 * 0 empty, BUSY claimed, else `tag | (id + 1)`, the tag being hash bits above the slot bits as in
 * StateStore, so most probes past other states read nothing but the table. A claimant writes the
 * state's bytes, hash, parent and choice, then publishes the slot with an atomic store; a reader
 * that loads the slot atomically sees them (the JS memory model's synchronises-with), and spins
 * while the slot is BUSY.
 */
export class SharedStore {
  private readonly ctl: Int32Array;
  private table!: Int32Array;
  private offs!: Uint32Array;
  private hashes!: Uint32Array;
  parent!: Int32Array;
  choice!: Uint16Array;
  private arena!: Uint8Array;
  private readonly scratch: Uint8Array;
  /** Whether the last `add` inserted a new state. */
  added = false;

  constructor(
    readonly width: number,
    readonly buffers: StoreBuffers = {
      ctl: new SharedArrayBuffer(8),
      table: growable(1 << 16),
      offs: growable(1 << 14),
      hashes: growable(1 << 14),
      parent: growable(1 << 14),
      choice: growable(1 << 13),
      arena: growable(1 << 16),
    },
  ) {
    this.ctl = new Int32Array(buffers.ctl);
    this.scratch = new Uint8Array(width * 5);
    if (width * 5 > 255) throw new RangeError(`${width} actors are too many for the shared store`);
    this.refresh();
  }

  /** Fixed-length views over the buffers as they are now: every thread calls it after `reserve`. */
  refresh(): void {
    const b = this.buffers;
    this.table = fixed(Int32Array, b.table);
    this.offs = fixed(Uint32Array, b.offs);
    this.hashes = fixed(Uint32Array, b.hashes);
    this.parent = fixed(Int32Array, b.parent);
    this.choice = fixed(Uint16Array, b.choice);
    this.arena = fixed(Uint8Array, b.arena);
  }

  get size(): number {
    return Atomics.load(this.ctl, SIZE);
  }

  /**
   * Room for `more` new states on top of the current ones, with the table at most half full.
   * Only between levels: no thread may be inserting, and each calls `refresh` before the next.
   */
  reserve(more: number): void {
    const states = this.size + more;
    ensureBytes(this.buffers.offs, states * 4);
    ensureBytes(this.buffers.hashes, states * 4);
    ensureBytes(this.buffers.parent, states * 4);
    ensureBytes(this.buffers.choice, states * 2);
    ensureBytes(this.buffers.arena, (this.ctl[BYTES] as number) + more * (this.width * 5 + 1));
    this.refresh();
    if (states * 2 <= this.table.length) return;
    ensureBytes(this.buffers.table, states * 2 * 4);
    this.refresh();
    this.table.fill(0);
    const mask = this.table.length - 1;
    const size = this.size;
    for (let id = 0; id < size; id++) {
      const hash = this.hashes[id] as number;
      let slot = hash & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = tagOf(hash, mask) | (id + 1);
    }
  }

  /** The id of the state with vector `vec` (hash `hash`), inserting it if new (`added`). */
  add(vec: ArrayLike<number>, hash: number, parent: number, choice: number): number {
    const len = this.pack(vec);
    const table = this.table;
    // The slot bits are also the bits of id + 1 (the table is at most half full).
    const mask = table.length - 1;
    const tag = tagOf(hash, mask);
    let slot = hash & mask;
    // A plain read of each probed slot (performance: Atomics.load is a builtin call in this V8,
    // five times a plain read, on every probe). An aligned Int32 read is tear-free, so it sees a
    // whole entry: an empty slot is then claimed atomically, and an entry whose tag matches is
    // read again atomically before its bytes, which orders them after the claimant's publication.
    let e = table[slot] as number;
    for (;;) {
      if (e === 0) {
        e = Atomics.compareExchange(table, slot, 0, BUSY);
        if (e !== 0) continue;
        const id = Atomics.add(this.ctl, SIZE, 1);
        const start = Atomics.add(this.ctl, BYTES, len + 1);
        const arena = this.arena;
        arena[start] = len;
        for (let i = 0; i < len; i++) arena[start + 1 + i] = this.scratch[i] as number;
        this.offs[id] = start;
        this.hashes[id] = hash;
        this.parent[id] = parent;
        this.choice[id] = choice;
        Atomics.store(table, slot, tag | (id + 1));
        this.added = true;
        return id;
      }
      if (e === BUSY) {
        e = Atomics.load(table, slot);
        continue;
      }
      if ((e & ~mask) === tag && Atomics.load(table, slot) === e) {
        const id = (e & mask) - 1;
        if (this.same(id, len)) {
          this.added = false;
          return id;
        }
      }
      slot = (slot + 1) & mask;
      e = table[slot] as number;
    }
  }

  /** The vector of state `id`, unpacked into `out`. */
  vector(id: number, out: Uint32Array): Uint32Array {
    return unpackVector(this.arena, (this.offs[id] as number) + 1, this.width, out);
  }

  /** The choices from the initial state (id 0) to `id`. */
  pathTo(id: number): number[] {
    const path: number[] = [];
    for (let s = id; (this.parent[s] as number) >= 0; s = this.parent[s] as number) path.push(this.choice[s] as number);
    return path.reverse();
  }

  private same(id: number, len: number): boolean {
    const start = (this.offs[id] as number) + 1;
    const arena = this.arena;
    if (arena[start - 1] !== len) return false;
    for (let i = 0; i < len; i++) if (arena[start + i] !== this.scratch[i]) return false;
    return true;
  }

  private pack(vec: ArrayLike<number>): number {
    return packVector(vec, this.width, this.scratch);
  }
}
