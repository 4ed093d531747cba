import type { ActorId, ActorSnap, Envelope, InFlight, ModelEvent, PostEvent, World } from '../domain/index.js';
import type { MachineStepper } from './xstateStep.js';

/**
 * One definition of a step, used by run, check and replay alike.
 * A step is one actor's atomic transition: either its own next step (`STEP`, id = the actor id)
 * or the delivery of the oldest posted message from one sender (id = `to<from`). Calls the
 * transition makes are resolved synchronously inside the step, depth first, as kernel code runs
 * in its caller's context; if any callee refuses (its lock is held), the whole step is disabled.
 */
export type StepId = string;

import type { Delivery } from './stepTypes.js';
export type { Delivery } from './stepTypes.js';

export interface StepOutcome {
  readonly world: World;
  readonly deliveries: readonly Delivery[];
}

export interface Steppers {
  /** Index of each actor id in `World.actors`. */
  readonly index: ReadonlyMap<ActorId, number>;
  /** The stepper of each actor, by position. */
  readonly byPosition: readonly MachineStepper[];
}

/**
 * What a step touched, for the explorer's independence relation (src/explore/footprint.ts): the
 * actors it delivered to — including a callee that refused, which is what disabled the step — and
 * the receivers of its posts, as a bit set over world positions. Positions past `FOOTPRINT_BITS`
 * set `overflow`, which makes the step dependent on every other.
 */
export interface StepFootprint {
  mask: number;
  overflow: boolean;
}

export const FOOTPRINT_BITS = 30;

function touch(fp: StepFootprint | undefined, pos: number): void {
  if (fp === undefined) return;
  if (pos < FOOTPRINT_BITS) fp.mask |= 1 << pos;
  else fp.overflow = true;
}

const MAX_CALL_DEPTH = 64;

export class ModelBugError extends Error {
  override readonly name = 'ModelBugError';
}

/**
 * `to<from` split once per id (performance): fresh slices per step also had to be hashed again by
 * every Map lookup keyed on them. Bounded by the number of actor pairs.
 */
const parsedDeliveries = new Map<StepId, { readonly to: ActorId; readonly from: ActorId }>();

function parseDelivery(id: StepId, lt: number): { readonly to: ActorId; readonly from: ActorId } {
  let p = parsedDeliveries.get(id);
  if (p === undefined) {
    p = { to: id.slice(0, lt), from: id.slice(lt + 1) };
    parsedDeliveries.set(id, p);
  }
  return p;
}

function trigger(world: World, steppers: Steppers, id: StepId): { readonly to: ActorId; readonly event: ModelEvent; readonly netIndex: number } | null {
  const lt = id.indexOf('<');
  if (lt < 0) {
    if (!steppers.index.has(id)) return null;
    return { to: id, event: { type: 'STEP', from: id }, netIndex: -1 };
  }
  const { to, from } = parseDelivery(id, lt);
  const netIndex = world.net.findIndex((m) => m.to === to && m.event.from === from);
  if (netIndex < 0) return null;
  const m = world.net[netIndex] as InFlight;
  return { to, event: m.event, netIndex };
}

/**
 * Executes step `id`; null when it is not enabled. Pure: `world` is not modified. When
 * `footprint` is given (reset by the caller), the actors the step touched are added to it, also
 * when the step turns out disabled.
 */
export function step(world: World, steppers: Steppers, id: StepId, record = true, footprint?: StepFootprint): StepOutcome | null {
  const t = trigger(world, steppers, id);
  if (t === null) return null;
  // Copied on the first accepted transition: most candidate steps are refused by their first
  // callee, and copying the actor list for each of them was measurable per-state cost.
  let actors: ActorSnap[] | null = null;
  const posts: InFlight[] = [];
  const deliveries: Delivery[] = [];

  const deliver = (to: ActorId, event: ModelEvent, mode: Delivery['mode'], depth: number): boolean => {
    if (depth > MAX_CALL_DEPTH) throw new ModelBugError(`call depth over ${MAX_CALL_DEPTH} delivering ${event.type} to ${to}`);
    const pos = steppers.index.get(to);
    if (pos === undefined) throw new ModelBugError(`${event.from} sent ${event.type} to unknown actor ${to}`);
    touch(footprint, pos);
    const stepper = steppers.byPosition[pos] as MachineStepper;
    const r = stepper.transition((actors ?? world.actors)[pos] as ActorSnap, event);
    if (r === null) {
      if (mode === 'ret') throw new ModelBugError(`${to} did not accept the RET of ${(event as { call?: string }).call ?? '?'} from ${event.from}`);
      return false;
    }
    actors ??= world.actors.slice();
    actors[pos] = r.next;
    if (record) deliveries.push({ to, mode, event });
    for (const env of r.out as readonly Envelope[]) {
      if (env.mode === 'post') {
        posts.push({ to: env.to, event: env.event as PostEvent });
        if (footprint !== undefined) touch(footprint, steppers.index.get(env.to) ?? FOOTPRINT_BITS);
      } else if (!deliver(env.to, env.event, env.mode, depth + 1)) return false;
    }
    return true;
  };

  if (!deliver(t.to, t.event, t.netIndex < 0 ? 'step' : 'post', 0)) return null;
  let net: readonly InFlight[] = world.net;
  if (t.netIndex >= 0) net = [...net.slice(0, t.netIndex), ...net.slice(t.netIndex + 1)];
  if (posts.length > 0) net = [...net, ...posts];
  // A step that is enabled delivered at least once, so `actors` is a copy; the fallback keeps the
  // type honest.
  return { world: { actors: actors ?? world.actors.slice(), net }, deliveries };
}

/**
 * Delivery step ids `to<from`, one string per pair (performance): the explorer looks every id up
 * in a Map, and a fresh concatenation must be flattened and hashed again on each lookup. Ids
 * only, no model state: the table is bounded by the number of actor pairs.
 */
const deliveryIds = new Map<ActorId, Map<ActorId, StepId>>();

function deliveryId(to: ActorId, from: ActorId): StepId {
  let byFrom = deliveryIds.get(to);
  if (byFrom === undefined) {
    byFrom = new Map();
    deliveryIds.set(to, byFrom);
  }
  let id = byFrom.get(from);
  if (id === undefined) {
    id = `${to}<${from}`;
    byFrom.set(from, id);
  }
  return id;
}

/** Candidate step ids in a stable order: actors in world order, own step first, then senders in arrival order. */
export function candidateSteps(world: World): StepId[] {
  const ids: StepId[] = [];
  const net = world.net;
  // Few messages are in flight at once: a linear scan for earlier senders beats a Set per actor.
  const seen: ActorId[] = [];
  for (const a of world.actors) {
    ids.push(a.id);
    if (net.length === 0) continue;
    seen.length = 0;
    for (const m of net) {
      if (m.to === a.id && !seen.includes(m.event.from)) {
        seen.push(m.event.from);
        ids.push(deliveryId(a.id, m.event.from));
      }
    }
  }
  return ids;
}

/** The enabled steps with their outcomes (each computed once; the explorer reuses them). */
export function enabledSteps(world: World, steppers: Steppers, record = false): Array<{ readonly id: StepId; readonly outcome: StepOutcome }> {
  const out: Array<{ id: StepId; outcome: StepOutcome }> = [];
  for (const id of candidateSteps(world)) {
    const o = step(world, steppers, id, record);
    if (o !== null) out.push({ id, outcome: o });
  }
  return out;
}
