import type { ActorSnap } from '../domain/index.js';
import { derivedSlots } from '../runtime/xstateStep.js';

/**
 * `derive` cached per argument object (performance): properties derive facts from immutable,
 * hash-consed snapshots and kernel states shared by many worlds, so each is derived once. The
 * last two arguments are checked first: the checker asks about one world (or a before/after
 * pair), then its successors, which mostly share it. Only results are cached: a `derive` that
 * throws throws again on every call.
 */
export function identityMemo<K extends object, V>(derive: (k: K) => V): (k: K) => V {
  const memo = new WeakMap<K, V>();
  let key0: K | undefined;
  let value0: V | undefined;
  let key1: K | undefined;
  let value1: V | undefined;
  return (k) => {
    if (k === key0) return value0 as V;
    if (k === key1) return value1 as V;
    let v = memo.get(k);
    if (v === undefined) {
      v = derive(k);
      memo.set(k, v);
    }
    key1 = key0;
    value1 = value0;
    key0 = k;
    value0 = v;
    return v;
  };
}

/** Slots taken by `snapMemo`s so far: each module-level memo takes one for good. */
let snapSlots = 0;

/**
 * `identityMemo` for views of actor snapshots, kept on the snapshot's runtime entry
 * (`derivedSlots`) when it has one (performance: the views were most of the checker's WeakMap
 * lookups, ten million and more per large search, three CPU threads defeating the two-key cache).
 * Create one per module, not per call: each takes a slot in every snapshot it sees. `derive`
 * must not return undefined.
 */
export function snapMemo<V>(derive: (a: ActorSnap) => V): (a: ActorSnap) => V {
  const slot = snapSlots++;
  const other = identityMemo(derive);
  return (a) => {
    const slots = derivedSlots(a);
    if (slots === undefined) return other(a);
    let v = slots[slot] as V | undefined;
    if (v === undefined) {
      v = derive(a);
      slots[slot] = v;
    }
    return v;
  };
}
