/**
 * The visited-state set: exact, in typed arrays. A state is its fingerprint vector
 * (fingerprint.ts), stored LEB128-packed in one byte arena (actor-state ids are small, so most
 * take one or two bytes), found through an open-addressing table of state ids. Each state also
 * keeps its BFS parent and the step that reached it, so a counterexample is rebuilt by walking
 * parents and replaying their choices from the initial world.
 */
export class StateStore {
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private offsets = new Uint32Array(1 << 12);
  private table: Int32Array;
  /** The table length − 1: the slot bits of a hash, and the bits an id may need (see `tagOf`). */
  private mask: number;
  private readonly scratch: Uint8Array;
  /** Parent state id (−1 for the initial state). */
  parent = new Int32Array(1 << 12);
  /** Interned step id of the step from the parent. */
  choice = new Uint16Array(1 << 12);
  /** Each state's hash, so growing the table does not unpack and hash every vector again. */
  private hashes = new Uint32Array(1 << 12);
  size = 0;
  /** Whether the last `add` inserted a new state. */
  added = false;

  constructor(readonly width: number) {
    this.scratch = new Uint8Array(width * 5);
    this.table = new Int32Array(1 << 13).fill(-1);
    this.mask = this.table.length - 1;
  }

  /** The id of the state with vector `vec` (hash `hash`), inserting it with `parent`/`choice` if new. */
  add(vec: ArrayLike<number>, hash: number, parent: number, choice: number): number {
    const len = this.pack(vec);
    const s = this.scratch;
    const table = this.table;
    const mask = this.mask;
    const tag = tagOf(hash, mask);
    let slot = hash & mask;
    for (;;) {
      const e = table[slot] as number;
      if (e < 0) break;
      // The tag (hash bits above the slot's) rules out most other states in the probe chain
      // without reading their offsets and bytes: those reads were cache misses per probe.
      if ((e & ~mask) === tag) {
        const id = e & mask;
        const start = this.offsets[id] as number;
        const end = id + 1 < this.size ? (this.offsets[id + 1] as number) : this.used;
        if (end - start === len) {
          let i = 0;
          const a = this.arena;
          while (i < len && a[start + i] === s[i]) i++;
          if (i === len) {
            this.added = false;
            return id;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.size;
    this.ensure(id + 1, len);
    // A plain copy: a vector packs to a few bytes, and `set(subarray())` allocated a view per state.
    const arena = this.arena;
    const base = this.used;
    for (let i = 0; i < len; i++) arena[base + i] = s[i] as number;
    this.offsets[id] = this.used;
    this.used += len;
    this.parent[id] = parent;
    this.choice[id] = choice;
    this.hashes[id] = hash;
    table[slot] = tag | id;
    this.size = id + 1;
    this.added = true;
    if (this.size * 2 > table.length) this.rehash();
    return id;
  }

  /** The vector of state `id`, unpacked into `out`. */
  vector(id: number, out: Uint32Array): Uint32Array {
    return unpackVector(this.arena, this.offsets[id] as number, this.width, out);
  }

  /** Bytes held by the store's typed arrays (allocated, not just used). */
  get bytes(): number {
    return this.arena.byteLength + this.offsets.byteLength + this.table.byteLength + this.parent.byteLength + this.choice.byteLength + this.hashes.byteLength;
  }

  /** The path of interned choices from the initial state to `id`. */
  pathTo(id: number): number[] {
    const path: number[] = [];
    for (let s = id; (this.parent[s] as number) >= 0; s = this.parent[s] as number) path.push(this.choice[s] as number);
    return path.reverse();
  }

  private pack(vec: ArrayLike<number>): number {
    return packVector(vec, this.width, this.scratch);
  }

  private ensure(states: number, len: number): void {
    if (states > this.offsets.length) {
      const n = this.offsets.length * 2;
      this.offsets = growU32(this.offsets, n);
      this.parent = growI32(this.parent, n);
      this.choice = growU16(this.choice, n);
      this.hashes = growU32(this.hashes, n);
    }
    if (this.used + len > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    this.mask = mask;
    for (let id = 0; id < this.size; id++) {
      const hash = this.hashes[id] as number;
      let slot = hash & mask;
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask;
      table[slot] = tagOf(hash, mask) | id;
    }
    this.table = table;
  }
}

/**
 * The tag of a table entry `tag | id`: the id in the low `mask` bits (ids stay below the table
 * length, since the table is at most half full before it grows), and as many hash bits above the
 * slot bits as fit below the sign bit (negative entries are empty slots), so most probes past
 * other states read nothing but the table.
 */
function tagOf(hash: number, mask: number): number {
  return hash & ~mask & 0x7fffffff;
}

/** Reads a vector `packVector` wrote at `bytes[at..]` into `out[0..width)`. */
export function unpackVector(bytes: Uint8Array, at: number, width: number, out: Uint32Array): Uint32Array {
  let p = at;
  for (let i = 0; i < width; i++) {
    let v = 0;
    // A running multiplier, not `2 ** shift`: V8 compiled that to a pow() call per byte (profiled).
    let scale = 1;
    let b: number;
    do {
      b = bytes[p++] as number;
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    out[i] = v;
  }
  return out;
}

/** Writes `vec[0..width)` LEB128-packed into `out`; returns the byte count. */
export function packVector(vec: ArrayLike<number>, width: number, out: Uint8Array): number {
  let p = 0;
  for (let i = 0; i < width; i++) {
    let v = vec[i] as number;
    while (v >= 0x80) {
      out[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[p++] = v;
  }
  return p;
}

function growU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growU16(a: Uint16Array, n: number): Uint16Array<ArrayBuffer> {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}
