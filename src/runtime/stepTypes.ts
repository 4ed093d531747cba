import type { ActorId, ModelEvent } from '../domain/index.js';

/** One event delivered inside a step, for logs, diagrams and step properties. */
export interface Delivery {
  readonly to: ActorId;
  readonly mode: 'step' | 'post' | 'call' | 'ret';
  readonly event: ModelEvent;
}
