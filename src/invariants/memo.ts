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
