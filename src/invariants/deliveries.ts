import type { CallOf, CallType, RetEvent } from '../domain/index.js';
import type { Delivery } from '../runtime/stepTypes.js';

/** Reading a step's deliveries: the CALLs it made and the RETs that answered them. */

export interface CallDelivery<K extends CallType> {
  readonly index: number;
  readonly to: string;
  readonly event: CallOf<K>;
}

export interface RetDelivery<K extends CallType> {
  readonly index: number;
  /** The caller the RET went back to. */
  readonly to: string;
  readonly event: Extract<RetEvent, { call: K }>;
}

/** What a step property asks of most transitions, which deliver none of the calls it examines: no allocation when nothing matches. */
const NONE: readonly never[] = Object.freeze([]);

/** The CALLs of `type` the step delivered (those `where` accepts), in delivery order. */
export function callsOf<K extends CallType>(deliveries: readonly Delivery[], type: K, where?: (c: CallDelivery<K>) => boolean): readonly CallDelivery<K>[] {
  let out: CallDelivery<K>[] | null = null;
  for (let index = 0; index < deliveries.length; index++) {
    const d = deliveries[index] as Delivery;
    if (d.mode !== 'call' || d.event.type !== type) continue;
    const c = { index, to: d.to, event: d.event as CallOf<K> };
    if (where === undefined || where(c)) (out ??= []).push(c);
  }
  return out ?? NONE;
}

/** The RETs of `call` the step delivered (those `where` accepts), in delivery order. */
export function retsOf<K extends CallType>(deliveries: readonly Delivery[], call: K, where?: (r: RetDelivery<K>) => boolean): readonly RetDelivery<K>[] {
  let out: RetDelivery<K>[] | null = null;
  for (let index = 0; index < deliveries.length; index++) {
    const d = deliveries[index] as Delivery;
    if (d.mode !== 'ret' || d.event.type !== 'RET' || d.event.call !== call) continue;
    const r = { index, to: d.to, event: d.event as Extract<RetEvent, { call: K }> };
    if (where === undefined || where(r)) (out ??= []).push(r);
  }
  return out ?? NONE;
}

/** The CALL a RET answers: the latest earlier CALL of that type from the RET's receiver to its sender. */
export function callOfRet<K extends CallType>(deliveries: readonly Delivery[], ret: RetDelivery<K>): CallDelivery<K> | undefined {
  const calls = callsOf(deliveries, ret.event.call as K, (c) => c.index < ret.index && c.to === ret.event.from && c.event.from === ret.to);
  return calls[calls.length - 1];
}
