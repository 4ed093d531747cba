import { MM_ACTOR, MMU_NOTIFIER_ACTOR, type ActorId, type InFlight, type World } from '../domain/index.js';
import { candidateId, forEachCandidate, stepAt, type StepFootprint, type StepId, type StepOutcome, type Steppers } from '../runtime/step.js';

/**
 * Successors of a world through the runtime's one step (`stepAt`, the core of `step()`). Step
 * ids are interned to small integers (stored per state as the step that reached it) together
 * with the position of the actor that takes the step (fairness and independence are per actor).
 */
export class StepIds {
  private readonly byName = new Map<StepId, number>();
  readonly names: StepId[] = [];
  /** World position of the actor whose step it is (the receiver, for a delivery). */
  readonly actor: number[] = [];
  /** Own-step index per actor position, and delivery-step index per (receiver position, sender). */
  private readonly ownByPos: number[] = [];
  private readonly deliveryByPos: Array<Map<ActorId, number>> = [];

  constructor(private readonly index: ReadonlyMap<ActorId, number>) {}

  /**
   * `idx` of the candidate `forEachCandidate` visits as (`pos`, `netIndex`), cached by position
   * and sender (performance: no step id is built or looked up by name once it is known).
   */
  candidate(world: World, pos: number, netIndex: number): number {
    if (netIndex < 0) return (this.ownByPos[pos] ??= this.idx(candidateId(world, pos, netIndex)));
    const byFrom = (this.deliveryByPos[pos] ??= new Map());
    const from = (world.net[netIndex] as InFlight).event.from;
    let i = byFrom.get(from);
    if (i === undefined) {
      i = this.idx(candidateId(world, pos, netIndex));
      byFrom.set(from, i);
    }
    return i;
  }

  idx(name: StepId): number {
    let i = this.byName.get(name);
    if (i === undefined) {
      i = this.names.length;
      const lt = name.indexOf('<');
      const pos = this.index.get(lt < 0 ? name : name.slice(0, lt));
      if (pos === undefined) throw new Error(`step '${name}' of no actor`);
      this.names.push(name);
      this.actor.push(pos);
      this.byName.set(name, i);
    }
    return i;
  }

  name(i: number): StepId {
    const n = this.names[i];
    if (n === undefined) throw new RangeError(`no step with index ${i}`);
    return n;
  }
}

export interface Successor {
  readonly idx: number;
  readonly outcome: StepOutcome;
  /** The footprint bit set (step.ts), or −1 when it overflowed: dependent on everything. */
  readonly mask: number;
}

/**
 * Steps are also treated as reading `mm` and `mmu`: step properties read them (S8 reads the
 * notifier windows, S3/S7/S13 the page tables) even when the step did not touch them, and a
 * reduction must keep every property's verdict.
 */
export function alwaysReadMask(steppers: Steppers): number {
  let m = 0;
  for (const id of [MM_ACTOR, MMU_NOTIFIER_ACTOR]) {
    const p = steppers.index.get(id);
    if (p !== undefined && p < 30) m |= 1 << p;
  }
  return m;
}

/** Independent = neither step writes what the other reads or writes; −1 (overflow) is never independent. */
export function independent(a: number, b: number, alwaysRead: number): boolean {
  if (a < 0 || b < 0) return false;
  return (a & (b | alwaysRead)) === 0 && (b & (a | alwaysRead)) === 0;
}

const fp: StepFootprint = { mask: 0, overflow: false };

/**
 * The enabled steps of `world` in the runtime's stable order (`forEachCandidate`), with outcomes
 * and footprints. `skip(idx)` leaves a step out without executing it (sleep sets). Candidates run
 * by position through `stepAt` (performance: no step id is built and parsed per candidate).
 */
export function expand(world: World, steppers: Steppers, ids: StepIds, skip?: (idx: number) => boolean): Successor[] {
  const out: Successor[] = [];
  forEachCandidate(world, (pos, netIndex) => {
    const idx = ids.candidate(world, pos, netIndex);
    if (skip !== undefined && skip(idx)) return;
    fp.mask = 0;
    fp.overflow = false;
    const o = stepAt(world, steppers, pos, netIndex, true, fp);
    if (o !== null) out.push({ idx, outcome: o, mask: fp.overflow ? -1 : fp.mask });
  });
  return out;
}

/** Whether any of the steps `only` picks is enabled (a state whose steps all sleep is no deadlock). */
export function anyEnabled(world: World, steppers: Steppers, ids: StepIds, only: (idx: number) => boolean): boolean {
  return expand(world, steppers, ids, (idx) => !only(idx)).length > 0;
}
