import { fmix, hashSeed, mix } from './fingerprint.js';

/**
 * The table worker threads share for a parallel breadth-first search (parallel.ts), in growable
 * SharedArrayBuffers, so every thread's views see it grow without being handed new buffers:
 * `SharedIntern`, strings (actor-state keys, messages, networks, step names) to dense global ids.
 * Each worker interns a local id once and caches the answer, so the lock is taken rarely. The
 * visited set is not shared: each worker stores the states it owns (exchange.ts).
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

/** A string's hash, the same in every thread (the intern table's). */
export function hashString(s: string): number {
  let h = hashSeed(s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return fmix(h);
}

/**
 * The buffers of a SharedIntern, as posted to a worker: control slots, an open-addressing table,
 * per id the offset and hash of its string, and the strings' characters.
 */
export interface InternBuffers {
  readonly ctl: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
  readonly offs: SharedArrayBuffer;
  readonly hashes: SharedArrayBuffer;
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
