import { BatchReader, candidateOrder, firstCandidate, globalId, localId, Outbox, ownerOf, ownerOfId, partitionPosition, RECORD } from '../../src/explore/exchange.js';
import { hashString, SharedIntern } from '../../src/explore/sharedTables.js';
import { packVector, StateStore, unpackVector } from '../../src/explore/store.js';

describe('exchange between workers', () => {
  it('gives every hash one owner, about evenly, and the top bit decides between two', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[ownerOf(hashString(`k${i}`), 3)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    expect(ownerOf(0x7fffffff, 2)).toBe(0);
    expect(ownerOf(0x80000000, 2)).toBe(1);
    expect(ownerOf(-1, 2)).toBe(1);
    expect(ownerOf(0xffffffff, 5)).toBe(4);
  });

  it('numbers states across workers so that the owner and its own id come back', () => {
    for (const workers of [1, 2, 3]) {
      for (let w = 0; w < workers; w++) {
        for (const local of [0, 1, 7, 1_000_003]) {
          const id = globalId(local, w, workers);
          expect(ownerOfId(id, workers)).toBe(w);
          expect(localId(id, workers)).toBe(local);
        }
      }
    }
  });

  it('splits worlds by the kernel mm when there is one', () => {
    expect(partitionPosition(['mmuNotifier', 'kernelMm', 'cpuThread'])).toBe(1);
    expect(partitionPosition(['cpuThread', 'cpuThread'])).toBe(0);
  });

  it('carries records through a growing outbox: parent, step, progress and vector', () => {
    const width = 4;
    const out = new Outbox(width);
    const n = 5_000;
    for (let i = 0; i < n; i++) out.push(i, i % 300, i % 3 === 0, Uint32Array.from([i, i + 1, 70_000, 2 ** 32 - 1]));
    const batch = out.take();
    expect(out.take().words).toBe(0);
    expect(batch.words).toBe(n * (RECORD + width));
    const r = new BatchReader(batch, width);
    const vec = new Uint32Array(width);
    for (let i = 0; i < n; i++) {
      expect(r.next(vec)).toBe(true);
      expect(r.parent).toBe(i);
      expect(r.step).toBe(i % 300);
      expect(r.progress).toBe(i % 3 === 0);
      expect(Array.from(vec)).toEqual([i, i + 1, 70_000, 2 ** 32 - 1]);
    }
    expect(r.next(vec)).toBe(false);
  });
});

describe('SharedIntern', () => {
  it('gives dense ids in first-seen order, the same id to the same string, and the text back, across growth', () => {
    const t = new SharedIntern();
    const texts = Array.from({ length: 3_000 }, (_x, i) => `a${i % 5}\u0001${'x'.repeat(i % 40)}${i}`);
    texts.forEach((s, i) => expect(t.intern(s)).toBe(i));
    texts.forEach((s, i) => expect(t.intern(s)).toBe(i));
    expect(t.text(2_999)).toBe(texts[2_999]);
    expect(t.text(0)).toBe(texts[0]);
    // A second view over the same buffers (as a worker has) sees the same table.
    const other = new SharedIntern(t.buffers);
    expect(other.intern(texts[1_234]!)).toBe(1_234);
    expect(other.intern('new')).toBe(3_000);
    expect(t.text(3_000)).toBe('new');
  });
});

describe('the visited-state store', () => {
  it('finds a state by its hash given as unsigned or taken as signed', () => {
    const store = new StateStore(2);
    const a = store.add(Uint32Array.from([1, 2]), 0x80000001, -1, 0);
    expect(store.add(Uint32Array.from([1, 2]), 0x80000001 | 0, 0, 1)).toBe(a);
    expect(store.added).toBe(false);
  });

  it('round-trips ids across every LEB128 length, up to the largest 32-bit id', () => {
    const ids = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const vec = Uint32Array.from(ids);
    const bytes = new Uint8Array(ids.length * 5);
    const len = packVector(vec, vec.length, bytes);
    expect(len).toBe(1 + 1 + 1 + 2 + 2 + 3 + 3 + 4 + 4 + 5 + 5 + 5);
    expect(Array.from(unpackVector(bytes, 0, vec.length, new Uint32Array(vec.length)))).toEqual(ids);
  });
});

describe('candidateOrder', () => {
  it('reports the shortest violation first, then the lowest state id, then the step name', () => {
    const c = (length: number, state: number, step: string | null) => ({ length, state, step });
    const sorted = [c(5, 1, null), c(4, 9, 'b'), c(4, 9, 'a'), c(4, 2, null), c(4, 9, null)].sort(candidateOrder);
    expect(sorted).toEqual([c(4, 2, null), c(4, 9, null), c(4, 9, 'a'), c(4, 9, 'b'), c(5, 1, null)]);
  });

  it('firstCandidate picks what the sort puts first, whatever the list order', () => {
    const c = (length: number, state: number, step: string | null) => ({ length, state, step });
    expect(firstCandidate([c(5, 1, null), c(4, 9, 'b'), c(4, 9, 'a'), c(4, 2, null)])).toEqual(c(4, 2, null));
    expect(firstCandidate([c(4, 9, 'b'), c(4, 9, 'a')])).toEqual(c(4, 9, 'a'));
  });
});
