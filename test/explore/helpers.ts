import { targetOf, type ExploreTarget, type TargetOptions } from '../../src/explore/index.js';
import { buildModel } from '../../src/runtime/build.js';
import { builtinScenarios } from '../../src/scenario/index.js';

/** The explore target of a built-in scenario on a variant, with mutations. */
export function builtinTarget(name: string, variant: string, mutations: readonly string[] = [], opts: TargetOptions = {}): ExploreTarget {
  const s = builtinScenarios.get(name);
  if (s === undefined) throw new Error(`no built-in ${name}`);
  return targetOf(buildModel(s, { variant, mutations }), opts);
}
