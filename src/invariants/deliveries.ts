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

export function callsOf<K extends CallType>(deliveries: readonly Delivery[], type: K): readonly CallDelivery<K>[] {
  const out: CallDelivery<K>[] = [];
  deliveries.forEach((d, index) => {
    if (d.mode === 'call' && d.event.type === type) out.push({ index, to: d.to, event: d.event as CallOf<K> });
  });
  return out;
}

export function retsOf<K extends CallType>(deliveries: readonly Delivery[], call: K): readonly RetDelivery<K>[] {
  const out: RetDelivery<K>[] = [];
  deliveries.forEach((d, index) => {
    if (d.mode === 'ret' && d.event.type === 'RET' && d.event.call === call) {
      out.push({ index, to: d.to, event: d.event as Extract<RetEvent, { call: K }> });
    }
  });
  return out;
}

/** The CALL a RET answers: the latest earlier CALL of that type from the RET's receiver to its sender. */
export function callOfRet<K extends CallType>(deliveries: readonly Delivery[], ret: RetDelivery<K>): CallDelivery<K> | undefined {
  const calls = callsOf(deliveries, ret.event.call as K).filter(
    (c) => c.index < ret.index && c.to === ret.event.from && c.event.from === ret.to,
  );
  return calls[calls.length - 1];
}

/**
 * Whether the step delivered a CALL of `type` (or a RET of `call`): a cheap allocation-free test
 * the step properties run first, since most transitions deliver none of the calls they examine.
 */
export function hasCall(deliveries: readonly Delivery[], type: CallType): boolean {
  for (const d of deliveries) if (d.mode === 'call' && d.event.type === type) return true;
  return false;
}

export function hasRet(deliveries: readonly Delivery[], call: CallType): boolean {
  for (const d of deliveries) if (d.mode === 'ret' && d.event.type === 'RET' && d.event.call === call) return true;
  return false;
}
