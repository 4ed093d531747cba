import type { ActorId } from './ids.js';
import type { CallEvent, CallSpec, CallType, Envelope, PostEvent, RetEvent } from './messages.js';

/** Builders for outbox entries, so machines never spell envelopes by hand. */
export function callEnv<K extends CallType>(to: ActorId, from: ActorId, type: K, args: CallSpec[K]['args']): Envelope {
  return { mode: 'call', to, event: { type, from, ...args } as unknown as CallEvent };
}

export function retEnv<K extends CallType>(to: ActorId, from: ActorId, call: K, result: CallSpec[K]['result']): Envelope {
  return { mode: 'ret', to, event: { type: 'RET', from, call, result } as RetEvent };
}

export function postEnv(to: ActorId, event: PostEvent): Envelope {
  return { mode: 'post', to, event };
}

/** Narrows a RET to the call it answers. */
export function isRetOf<K extends CallType>(e: { readonly type: string }, call: K): e is Extract<RetEvent, { call: K }> {
  return e.type === 'RET' && (e as RetEvent).call === call;
}
