import { createActor, type AnyStateMachine, type AnyMachineSnapshot, type AnyActorScope } from 'xstate';
import type { ActorId, ActorKind, ActorSnap, Envelope, InFlight, ModelEvent, StateValue } from '../domain/index.js';
import type { Delivery } from './stepTypes.js';

/**
 * Pure transitions of one machine, paying XState's cost once per distinct (state, event).
 * `machine.transition(snapshot, event, scope)` with one reused inert scope is XState's own pure
 * path minus the throw-away actor `transition()` builds per call (toolchain.md); xstate is pinned
 * exactly and test/runtime/xstateStep.test.ts compares the two.
 */
export interface Transitioned {
  readonly next: ActorSnap;
  readonly out: readonly Envelope[];
  /** The memo ids (`eventId`) of the `out` events: delivering them reads no id off an event object. */
  readonly outIds: readonly number[];
  /** World positions of the `out` receivers under actor index `outPosIndex`, filled in by the runtime's step. */
  outPos: readonly number[] | null;
  outPosIndex: ReadonlyMap<ActorId, number> | null;
  /** What the runtime's step records of each `out` message, filled in by it once per memo entry. */
  outRecords: readonly (InFlight | Delivery)[] | null;
}

const EMPTY_OUT: readonly Envelope[] = Object.freeze([]);

function inertScope(machine: AnyStateMachine): AnyActorScope {
  const self = createActor(machine);
  return {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: () => {},
  } as unknown as AnyActorScope;
}

interface StateEntry {
  readonly snap: ActorSnap;
  xs: AnyMachineSnapshot | undefined;
  /** Memoized transitions by the stepper's slot of the event id (`MachineStepper.slotOf`). */
  readonly results: (Transitioned | null | undefined)[];
  /** Dense id in order of first appearance: worlds are fingerprinted from these (src/explore). */
  readonly id: number;
  readonly key: string;
  /** Whether the state takes its own STEP (cached by `acceptsStep`; undefined until asked). */
  step: boolean | undefined;
  /** The stepper that interned the state: a tagged snapshot is only trusted by its own stepper. */
  readonly owner: MachineStepper;
  /** Facts the invariants derive from this snapshot, by `snapMemo` slot (`derivedSlots`). */
  derived: unknown[] | null;
}

/**
 * Each canonical snapshot carries its entry under a non-enumerable symbol (performance): the
 * explorer looks the entry up for every actor of every successor (fingerprint ids, transitions),
 * and a WeakMap lookup per access was measurable. Non-enumerable and symbol-keyed, it is invisible
 * to JSON, spreads, structured clone and deep equality. Any other snapshot is found by content.
 */
const ENTRY: unique symbol = Symbol('hmmx.stateEntry');

interface TaggedSnap {
  readonly [ENTRY]?: StateEntry;
}

function tag(snap: ActorSnap, e: StateEntry): void {
  Object.defineProperty(snap, ENTRY, { value: e, enumerable: false, writable: false, configurable: false });
}

function taggedEntry(snap: ActorSnap, owner: MachineStepper): StateEntry | undefined {
  const e = (snap as TaggedSnap)[ENTRY];
  return e !== undefined && e.owner === owner ? e : undefined;
}

/**
 * The slots in which invariants/memo.ts `snapMemo` keeps what it derived from a canonical
 * snapshot; undefined for any other snapshot. A fact derived from an immutable snapshot does not
 * depend on which stepper interned it, so any tag serves.
 */
export function derivedSlots(snap: ActorSnap): unknown[] | undefined {
  const e = (snap as TaggedSnap)[ENTRY];
  if (e === undefined) return undefined;
  return (e.derived ??= []);
}

export class MachineStepper {
  private readonly scope: AnyActorScope;
  /** Hash-consing: one canonical ActorSnap object per distinct (value, context). */
  private readonly states = new Map<string, StateEntry>();
  private readonly byId: StateEntry[] = [];
  /**
   * Event id → this stepper's dense slot (−1: none yet). A state's memo is an array indexed by
   * slot (performance: a Map lookup per delivery was a measurable share of the search); slots
   * count only the events this machine was handed, a few dozen, so the arrays stay small.
   */
  private readonly slots: number[] = [];
  private nSlots = 0;
  /** Object-valued context fields of snapshots rebuilt from keys, by actor, field name and JSON (`sharedField`). */
  private readonly fieldValues = new Map<string, unknown>();

  constructor(
    readonly kind: ActorKind,
    readonly machine: AnyStateMachine,
  ) {
    this.scope = inertScope(machine);
  }

  initial(id: ActorId, input: unknown): ActorSnap {
    const xs = this.machine.getInitialSnapshot(this.scope, input) as AnyMachineSnapshot;
    return this.intern(id, xs).snap;
  }

  /** The canonical snapshot of actor `id` whose state key (`stateKey`) is `key`, e.g. from another thread. */
  fromKey(id: ActorId, key: string): ActorSnap {
    const [value, rest] = JSON.parse(key) as [StateValue, Record<string, unknown>];
    for (const f of Object.keys(rest)) rest[f] = this.sharedField(id, f, rest[f]);
    return this.canonical({ id, kind: this.kind, value, context: { ...rest, out: EMPTY_OUT } });
  }

  /**
   * A parsed context field as the object this stepper already holds with that content for that
   * actor (actors with equal programs still have their own arrays): the property views cache by
   * identity (e.g. S2's plan per set of program arrays), and a fresh copy of an unchanged program
   * in every snapshot rebuilt from a key recomputed them all.
   */
  private sharedField(id: ActorId, name: string, value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    // Seeded once from the states interned so far, the initial ones among them: a program is
    // the same all run long, and every actor's is there.
    if (this.fieldValues.size === 0) {
      for (const e of this.byId) {
        const ctx = e.snap.context as Record<string, unknown>;
        for (const f of Object.keys(ctx)) {
          const v = ctx[f];
          if (typeof v === 'object' && v !== null) this.fieldValues.set(`${e.snap.id}\u0001${f}\u0001${JSON.stringify(v)}`, v);
        }
      }
    }
    // Not added on a miss: a field that is not a program (the kernel's whole state, say) differs
    // in nearly every snapshot rebuilt, and keeping its JSON per snapshot was megabytes per worker.
    return this.fieldValues.get(`${id}\u0001${name}\u0001${JSON.stringify(value)}`) ?? value;
  }

  /** The canonical copy of a snapshot (e.g. one decoded from JSON). */
  canonical(snap: ActorSnap): ActorSnap {
    return this.entry(snap).snap;
  }

  keyOf(snap: ActorSnap): string {
    return taggedEntry(snap, this)?.key ?? stateKey(snap.value, snap.context);
  }

  /** The stable small-integer id of a state (dense from 0, per stepper), for world fingerprints. */
  idOf(snap: ActorSnap): number {
    return (taggedEntry(snap, this) ?? this.entry(snap)).id;
  }

  /** The canonical snapshot with id `id` (see `idOf`). */
  snapOfId(id: number): ActorSnap {
    const e = this.byId[id];
    if (e === undefined) throw new RangeError(`${this.kind}: no state with id ${id}`);
    return e.snap;
  }

  /** The state key (`stateKey`) of the state with id `id`: its content, equal across processes. */
  keyOfId(id: number): string {
    const e = this.byId[id];
    if (e === undefined) throw new RangeError(`${this.kind}: no state with id ${id}`);
    return e.key;
  }

  /**
   * Whether the actor in this state takes its own next step (STEP): `transition(snap, STEP)` is
   * not null. Cached per state, so the runtime's step refuses a disabled own step without running it.
   */
  acceptsStep(snap: ActorSnap): boolean {
    const e = taggedEntry(snap, this) ?? this.entry(snap);
    if (e.step === undefined) e.step = this.transition(e.snap, stepDelivery(e.snap.id).event) !== null;
    return e.step;
  }

  /**
   * null when the machine does not accept the event in this state (its guard is false: blocked).
   * `ek` is the event's memo id when the caller already has it (`Transitioned.outIds`).
   */
  transition(snap: ActorSnap, event: ModelEvent, ek: number = eventId(event)): Transitioned | null {
    const entry = taggedEntry(snap, this) ?? this.entry(snap);
    const slot = this.slotOf(ek);
    const cached = entry.results[slot];
    if (cached !== undefined) return cached;
    if (entry.xs === undefined) {
      entry.xs = this.machine.resolveState({ value: snap.value, context: snap.context }) as AnyMachineSnapshot;
    }
    const before = entry.xs;
    const after = this.machine.transition(before, event, this.scope) as AnyMachineSnapshot;
    let result: Transitioned | null;
    if (after === before) {
      result = null;
    } else {
      const ctx = after.context as { out?: readonly Envelope[] };
      const out = ctx.out ?? EMPTY_OUT;
      const next = this.intern(snap.id, after);
      result = { next: next.snap, out, outIds: out.map((e) => eventId(e.event)), outPos: null, outPosIndex: null, outRecords: null };
    }
    entry.results[slot] = result;
    return result;
  }

  get size(): number {
    return this.states.size;
  }

  private slotOf(ek: number): number {
    const slots = this.slots;
    while (slots.length <= ek) slots.push(-1);
    let s = slots[ek] as number;
    if (s < 0) {
      s = this.nSlots++;
      slots[ek] = s;
    }
    return s;
  }

  private entry(snap: ActorSnap): StateEntry {
    const known = taggedEntry(snap, this);
    if (known !== undefined) return known;
    const k = stateKey(snap.value, snap.context);
    let e = this.states.get(k);
    if (e === undefined) {
      const canonical: ActorSnap = {
        id: snap.id,
        kind: snap.kind,
        value: snap.value,
        context: { ...snap.context, out: EMPTY_OUT },
      };
      e = this.register(k, canonical, undefined);
    }
    return e;
  }

  private intern(id: ActorId, xs: AnyMachineSnapshot): StateEntry {
    const context = { ...(xs.context as Record<string, unknown>), out: EMPTY_OUT } as ActorSnap['context'];
    const value = xs.value as StateValue;
    const k = stateKey(value, context);
    let e = this.states.get(k);
    if (e === undefined) {
      const snap: ActorSnap = { id, kind: this.kind, value, context };
      const clean = (xs.context as { out?: readonly Envelope[] }).out?.length ? undefined : xs;
      e = this.register(k, snap, clean);
    }
    return e;
  }

  /**
   * A new state's entry, tagged on its snapshot and numbered. Every field is set here, `step`
   * included (performance: a field added later gives entries a second hidden class, and the
   * step loop reads them all).
   */
  private register(key: string, snap: ActorSnap, xs: AnyMachineSnapshot | undefined): StateEntry {
    const e: StateEntry = { snap, xs, results: [], id: this.byId.length, key, step: undefined, owner: this, derived: null };
    tag(snap, e);
    this.states.set(key, e);
    this.byId.push(e);
    return e;
  }
}

/**
 * An event's id rides on the event object under a non-enumerable symbol, as state entries do on
 * snapshots (performance: a WeakMap lookup per delivered event was measurable); frozen events
 * fall back to the WeakMap.
 */
const EVENT_ID: unique symbol = Symbol('hmmx.eventId');
interface TaggedEvent {
  readonly [EVENT_ID]?: number;
}
const eventIds = new WeakMap<object, number>();
/** Event content key → small integer; shared by all steppers (ids are only memo keys). */
const idOfEventKey = new Map<string, number>();

function internEventKey(k: string): number {
  let id = idOfEventKey.get(k);
  if (id === undefined) {
    id = idOfEventKey.size;
    idOfEventKey.set(k, id);
  }
  return id;
}

/**
 * The memo key of an event: a small integer standing for its JSON, computed once per event object
 * (a posted or called event is the same object each time a memoized transition emits it, and a
 * STEP is `stepDelivery`'s one object per actor) and kept on it (`EVENT_ID`). Integers rather than
 * the JSON strings themselves (performance): a results-map lookup with a long string key compares
 * the strings character by character whenever they are equal but not the same string object.
 */
function eventId(event: ModelEvent): number {
  const tagged = (event as TaggedEvent)[EVENT_ID];
  if (tagged !== undefined) return tagged;
  let k = eventIds.get(event);
  if (k !== undefined) return k;
  k = internEventKey(JSON.stringify(event));
  if (Object.isExtensible(event)) Object.defineProperty(event, EVENT_ID, { value: k, enumerable: false, writable: false, configurable: false });
  else eventIds.set(event, k);
  return k;
}

/**
 * One delivery of a STEP per actor id, its event included (performance): a step's trigger carries
 * nothing but its sender, so fresh objects per candidate step were pure allocation, and the
 * event's memo id is read off it. Bounded by the number of actors.
 */
const stepDeliveries = new Map<ActorId, Delivery>();

export function stepDelivery(id: ActorId): Delivery {
  let d = stepDeliveries.get(id);
  if (d === undefined) {
    d = { to: id, mode: 'step', event: { type: 'STEP', from: id } };
    stepDeliveries.set(id, d);
  }
  return d;
}

/** The actor id is part of the context (`self`), so one key space per machine kind is safe. */
export function stateKey(value: StateValue, context: ActorSnap['context']): string {
  const { out: _out, ...rest } = context;
  return JSON.stringify([value, rest]);
}
