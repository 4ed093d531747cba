import { ScenarioError } from './errors.js';
import { cpuGpuAtomicThrash } from './builtin/cpuGpuAtomicThrash.js';
import { gpuAtomicMunmap } from './builtin/gpuAtomicMunmap.js';
import { h1CowAfterFork, h1MprotectRevoke, h1ZeroPage } from './builtin/h1Triggers.js';
import { hmmExclusive } from './builtin/hmmExclusive.js';
import { hmmExclusiveCow } from './builtin/hmmExclusiveCow.js';
import { hmmExclusiveMprotect } from './builtin/hmmExclusiveMprotect.js';
import { hmmExclusiveTwoFaults } from './builtin/hmmExclusiveTwoFaults.js';
import { peer2Cpu1Gpu } from './builtin/peer2Cpu1Gpu.js';
import { peer3Cpu1Gpu } from './builtin/peer3Cpu1Gpu.js';
import { svmAtomicBasic } from './builtin/svmAtomicBasic.js';
import { twoGpus } from './builtin/twoGpus.js';
import { loadScenarioFile, type Catalogue, type ReadText } from './load.js';
import type { Scenario } from './types.js';
import { deepFreeze } from './validate.js';

/**
 * The built-in scenarios by name, in the order `hmmx scenarios` lists them. They are written with
 * every default spelt out, so `validateScenario` returns each unchanged (the tests check this;
 * validating here would make every import pay for it).
 */
export const builtinScenarios: ReadonlyMap<string, Scenario> = new Map(
  [
    svmAtomicBasic,
    cpuGpuAtomicThrash,
    twoGpus,
    hmmExclusive,
    hmmExclusiveMprotect,
    hmmExclusiveCow,
    peer2Cpu1Gpu,
    peer3Cpu1Gpu,
    gpuAtomicMunmap,
    hmmExclusiveTwoFaults,
    h1MprotectRevoke,
    h1ZeroPage,
    h1CowAfterFork,
  ].map((s) => [s.name, deepFreeze(s)] as const),
);

/**
 * A built-in by name, else the scenario file at that path. Built-in names win, so a file that
 * happens to share a name must be given with a directory (`./svm-atomic-basic`).
 */
export function resolveScenario(nameOrPath: string, readFile: ReadText, catalogue?: Catalogue): Scenario {
  const builtin = builtinScenarios.get(nameOrPath);
  if (builtin !== undefined) return builtin;
  try {
    return loadScenarioFile(nameOrPath, readFile, catalogue);
  } catch (e) {
    if (e instanceof ScenarioError && e.path === '$' && e.detail === 'no such file') {
      const names = [...builtinScenarios.keys()].join(', ');
      throw new ScenarioError(nameOrPath, '$', `no built-in scenario or file by that name (built-ins: ${names})`);
    }
    throw e;
  }
}
