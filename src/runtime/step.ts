import type { ActorId, ActorSnap, Envelope, InFlight, ModelEvent, PostEvent, World } from '../domain/index.js';
import { stepDelivery, type MachineStepper, type Transitioned } from './xstateStep.js';

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

const NO_DELIVERIES: readonly Delivery[] = Object.freeze([]);

/**
 * Scratch state of the step being executed, at module level rather than in a closure per call
 * (performance): most candidate steps are refused by their first callee, and the closure, the
 * post and delivery arrays made for each of them were most of the runtime's garbage. `step()` is
 * not reentrant (transitions are pure XState transitions and never call back into it), and every
 * call resets these before use, so a ModelBugError thrown midway leaves nothing behind.
 */
let curWorld: World | null = null;
let curSteppers: Steppers | null = null;
let curActors: ActorSnap[] | null = null;
let curRecord = false;
let curFootprint: StepFootprint | undefined;
// Filled up to the counts below, never truncated (setting `length` was a runtime call per step);
// stale entries past the counts are overwritten by later steps.
const postBuf: InFlight[] = [];
let nPosts = 0;
const deliveryBuf: Delivery[] = [];
let nDeliveries = 0;

/** The world position of actor `to`; a message to an actor the world does not have is a model bug. */
function positionOf(steppers: Steppers, to: ActorId, event: ModelEvent): number {
  const pos = steppers.index.get(to);
  if (pos === undefined) throw new ModelBugError(`${event.from} sent ${event.type} to unknown actor ${to}`);
  return pos;
}

/**
 * The receivers' positions of a memoized transition's messages (−1: no such actor), resolved once
 * per memo entry (performance: a Map lookup by actor id per nested call was measurable).
 */
function outPositions(steppers: Steppers, r: Transitioned): readonly number[] {
  if (r.outPos !== null && r.outPosIndex === steppers.index) return r.outPos;
  r.outPosIndex = steppers.index;
  return (r.outPos = r.out.map((env) => steppers.index.get(env.to) ?? -1));
}

/**
 * The delivery record of a posted message, kept on the in-flight message this module made for it
 * (non-enumerable, so invisible to JSON and equality, as state entries are on snapshots).
 */
const DELIVERY: unique symbol = Symbol('hmmx.delivery');

interface TaggedInFlight extends InFlight {
  readonly [DELIVERY]?: Delivery;
}

function posted(to: ActorId, event: PostEvent): InFlight {
  const m: InFlight = { to, event };
  Object.defineProperty(m, DELIVERY, { value: { to, mode: 'post', event }, enumerable: false, writable: false, configurable: false });
  return m;
}

/**
 * Per message of a memoized transition, what a step records of it: the in-flight message of a
 * post, the delivery of a call or RET. Made once per memo entry (performance: records made per
 * step were much of the runtime's garbage); records are read-only, so steps share them.
 */
function outRecords(r: Transitioned): readonly (InFlight | Delivery)[] {
  if (r.outRecords !== null) return r.outRecords;
  const recs = r.out.map((env): InFlight | Delivery => (env.mode === 'post' ? posted(env.to, env.event as PostEvent) : { to: env.to, mode: env.mode, event: env.event }));
  r.outRecords = recs;
  return recs;
}

/** The delivery record of in-flight message `m`: its own when this module posted it. */
function postDelivery(m: InFlight): Delivery {
  return (m as TaggedInFlight)[DELIVERY] ?? { to: m.to, mode: 'post', event: m.event };
}

/**
 * Delivers `rec.event` to actor `rec.to` at world position `pos`; `ek` is the event's memo id
 * when known.
 */
function deliver(pos: number, rec: Delivery, ek: number | undefined, depth: number): boolean {
  const { to, event, mode } = rec;
  if (depth > MAX_CALL_DEPTH) throw new ModelBugError(`call depth over ${MAX_CALL_DEPTH} delivering ${event.type} to ${to}`);
  const steppers = curSteppers as Steppers;
  const footprint = curFootprint;
  touch(footprint, pos);
  const stepper = steppers.byPosition[pos] as MachineStepper;
  const world = curWorld as World;
  const r = stepper.transition((curActors ?? world.actors)[pos] as ActorSnap, event, ek);
  if (r === null) {
    if (mode === 'ret') throw new ModelBugError(`${to} did not accept the RET of ${(event as { call?: string }).call ?? '?'} from ${event.from}`);
    return false;
  }
  // Copied on the first accepted transition: most candidate steps are refused by their first
  // callee, and copying the actor list for each of them was measurable per-state cost.
  curActors ??= world.actors.slice();
  curActors[pos] = r.next;
  if (curRecord) deliveryBuf[nDeliveries++] = rec;
  const out = r.out as readonly Envelope[];
  if (out.length === 0) return true;
  const outPos = outPositions(steppers, r);
  const recs = outRecords(r);
  for (let i = 0; i < out.length; i++) {
    const env = out[i] as Envelope;
    const at = outPos[i] as number;
    if (env.mode === 'post') {
      // A post to an unknown actor fails when it is delivered, as any delivery to one does.
      postBuf[nPosts++] = recs[i] as InFlight;
      if (footprint !== undefined) touch(footprint, at < 0 ? FOOTPRINT_BITS : at);
    } else if (!deliver(at < 0 ? positionOf(steppers, env.to, env.event) : at, recs[i] as Delivery, r.outIds[i], depth + 1)) return false;
  }
  return true;
}

/**
 * Executes step `id`; null when it is not enabled. Pure: `world` is not modified. When
 * `footprint` is given (reset by the caller), the actors the step touched are added to it, also
 * when the step turns out disabled.
 */
export function step(world: World, steppers: Steppers, id: StepId, record = true, footprint?: StepFootprint): StepOutcome | null {
  const lt = id.indexOf('<');
  if (lt < 0) {
    const pos = steppers.index.get(id);
    return pos === undefined ? null : stepAt(world, steppers, pos, -1, record, footprint);
  }
  const { to, from } = parseDelivery(id, lt);
  const net = world.net;
  for (let i = 0; i < net.length; i++) {
    const m = net[i] as InFlight;
    if (m.to === to && m.event.from === from) return stepAt(world, steppers, positionOf(steppers, to, m.event), i, record, footprint);
  }
  return null;
}

/** Takes `choices` in turn from `world` (replaying a trace): the world after them, or the first choice not enabled. */
export function stepAll(world: World, steppers: Steppers, choices: readonly StepId[]): { readonly world: World; readonly stuck?: StepId } {
  let w = world;
  for (const c of choices) {
    const o = step(w, steppers, c, false);
    if (o === null) return { world: w, stuck: c };
    w = o.world;
  }
  return { world: w };
}

/**
 * `step` with its trigger resolved (performance: the explorer enumerates triggers by position and
 * would otherwise build each step's id only for `step` to parse it again): the own step (STEP) of
 * the actor at `pos` when `netIndex` is −1, else the delivery of `world.net[netIndex]` to it,
 * which must be the oldest message from its sender (the first in `net`, which is in send order).
 */
export function stepAt(world: World, steppers: Steppers, pos: number, netIndex: number, record = true, footprint?: StepFootprint): StepOutcome | null {
  const net0 = world.net;
  const actor = world.actors[pos] as ActorSnap;
  // An actor whose state takes no STEP cannot take its own step (performance: known per state,
  // so most disabled own steps cost one lookup). It was asked all the same: it is touched.
  if (netIndex < 0 && !(steppers.byPosition[pos] as MachineStepper).acceptsStep(actor)) {
    touch(footprint, pos);
    return null;
  }
  const rec = netIndex < 0 ? stepDelivery(actor.id) : postDelivery(net0[netIndex] as InFlight);
  curWorld = world;
  curSteppers = steppers;
  curActors = null;
  curRecord = record;
  curFootprint = footprint;
  nPosts = 0;
  nDeliveries = 0;
  let ok: boolean;
  try {
    ok = deliver(pos, rec, undefined, 0);
  } finally {
    // Drop references to the world so the scratch state keeps nothing alive between steps.
    curWorld = null;
    curSteppers = null;
    curFootprint = undefined;
  }
  const actors = curActors as ActorSnap[] | null;
  curActors = null;
  if (!ok) return null;
  let net: readonly InFlight[] = net0;
  if (netIndex >= 0 || nPosts > 0) {
    const copy: InFlight[] = [];
    for (let i = 0; i < net0.length; i++) if (i !== netIndex) copy.push(net0[i] as InFlight);
    for (let i = 0; i < nPosts; i++) copy.push(postBuf[i] as InFlight);
    net = copy;
  }
  const deliveries = record ? deliveryBuf.slice(0, nDeliveries) : NO_DELIVERIES;
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

/**
 * Every candidate trigger of `world`, in the stable order all steps are tried in: actors in world
 * order, each one's own step first (`netIndex` −1), then the oldest message from each sender to
 * it, in arrival order (`netIndex` its place in `net`). The explorer runs them by position
 * (`stepAt`); `candidateSteps` names them.
 */
export function forEachCandidate(world: World, visit: (pos: number, netIndex: number) => void): void {
  const actors = world.actors;
  const net = world.net;
  for (let pos = 0; pos < actors.length; pos++) {
    visit(pos, -1);
    const id = (actors[pos] as ActorSnap).id;
    for (let i = 0; i < net.length; i++) {
      const m = net[i] as InFlight;
      if (m.to === id && oldestOfSender(net, i)) visit(pos, i);
    }
  }
}

/** `net[i]` is the first message in `net` from its sender to its receiver (the one a delivery step takes). */
function oldestOfSender(net: readonly InFlight[], i: number): boolean {
  const m = net[i] as InFlight;
  for (let j = 0; j < i; j++) {
    const e = net[j] as InFlight;
    if (e.to === m.to && e.event.from === m.event.from) return false;
  }
  return true;
}

/** The id of the candidate step `forEachCandidate` visits as (`pos`, `netIndex`). */
export function candidateId(world: World, pos: number, netIndex: number): StepId {
  const to = (world.actors[pos] as ActorSnap).id;
  return netIndex < 0 ? to : deliveryId(to, (world.net[netIndex] as InFlight).event.from);
}

/** Candidate step ids in the stable order of `forEachCandidate`. */
export function candidateSteps(world: World): StepId[] {
  const ids: StepId[] = [];
  forEachCandidate(world, (pos, netIndex) => ids.push(candidateId(world, pos, netIndex)));
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
