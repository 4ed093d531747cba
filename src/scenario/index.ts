export { ScenarioError, childPath } from './errors.js';
export type {
  Check,
  CpuOp,
  CpuThread,
  Device,
  DmirrorOp,
  Driver,
  Expect,
  FinalWord,
  GpuChannel,
  GpuExpect,
  GpuOp,
  KernelOp,
  Mapping,
  OpExpect,
  Populate,
  Prot,
  Region,
  Scenario,
  WordRef,
} from './types.js';
export {
  CPU_OPS,
  DEFAULT_VARIANT,
  GPU_OPS,
  ID_PATTERN,
  KERNEL_OPS,
  formatAt,
  pageOfWord,
  parseAt,
  tryParseAt,
} from './types.js';
export {
  DEFAULT_KNOWN_MUTATIONS,
  DEFAULT_KNOWN_VARIANTS,
  INVARIANT_ID_PATTERN,
  SCENARIO_LIMITS,
  validateScenario,
} from './validate.js';
export { loadScenarioFile, parseScenarioText, type Catalogue, type ReadText } from './load.js';
export { builtinScenarios, resolveScenario } from './builtins.js';
