import { OP_EXPECTATION } from './opExpectation.js';
import { S1 } from './s1AtomicExclusion.js';
import { S2 } from './s2NoLostUpdate.js';
import { S3 } from './s3RestoreFidelity.js';
import { S4 } from './s4Accounting.js';
import { S5 } from './s5LockHygiene.js';
import { S6 } from './s6NoUseAfterFree.js';
import { S7 } from './s7GuardedRestore.js';
import { S8 } from './s8NotifyBeforeChange.js';
import { S9 } from './s9CollisionRetry.js';
import { S13 } from './s13GpuAtomicsOnDevExcl.js';
import type { Invariant } from './types.js';

export type { Invariant, PropertyContext, Violation } from './types.js';
export { checkFinalExpectations, type FinalExpectation } from './finalExpectations.js';
export { expectedRestoreBits } from './s3RestoreFidelity.js';
export { WorldShapeError } from './view.js';
export { OP_EXPECTATION, S1, S2, S3, S4, S5, S6, S7, S8, S9, S13 };

/** The safety catalogue (domain.md §3.1), in the order properties are checked and reported. */
export const ALL_INVARIANTS: readonly Invariant[] = [S1, S2, S3, S4, S5, S6, S7, S8, S9, S13, OP_EXPECTATION];

/** Ids a scenario may name that are checked by the runtime/explorer, not by this catalogue. */
export const RUNTIME_PROPERTY_IDS: readonly string[] = ['deadlock', 'gpu-progress'];

/** A scenario named a property this model does not check: refusing beats a silent pass. */
export class UnknownInvariantError extends Error {
  override readonly name = 'UnknownInvariantError';
  constructor(readonly ids: readonly string[]) {
    super(
      `invariant(s) ${ids.join(', ')} are not checked by this model; available: ` +
        `${[...ALL_INVARIANTS.map((i) => i.id), ...RUNTIME_PROPERTY_IDS].join(', ')}`,
    );
  }
}

/** The properties a scenario's `check.invariants` selects, in catalogue order. */
export function selectInvariants(check: 'all' | readonly string[]): readonly Invariant[] {
  if (check === 'all') return ALL_INVARIANTS;
  const unknown = check.filter((id) => !ALL_INVARIANTS.some((i) => i.id === id) && !RUNTIME_PROPERTY_IDS.includes(id));
  if (unknown.length > 0) throw new UnknownInvariantError(unknown);
  return ALL_INVARIANTS.filter((i) => check.includes(i.id));
}
