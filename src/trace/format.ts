import { InputError } from '../domain/inputError.js';
import { MUTATIONS, VARIANTS, isMutationId, isVariantId, type MutationId, type VariantId } from '../domain/index.js';
import type { RunEnd } from '../runtime/run.js';
import type { StepId } from '../runtime/step.js';
import { ScenarioError, childPath, validateScenario, type Scenario } from '../scenario/index.js';

/**
 * The trace file `hmmx-trace/1` (contract.md, "Trace file"): a run is fully determined by the
 * scenario, the variant, the mutations and the list of scheduler choices, so that is all a trace
 * needs. `steps` (the rendered log) is for a reader and is never used to replay.
 */
export const TRACE_FORMAT = 'hmmx-trace/1';

export interface TraceViolation {
  readonly invariant: string;
  readonly message: string;
}

/** One recorded step, for reading the file without the tool. */
export interface TraceStep {
  readonly id: StepId;
  readonly log: string;
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  /** The full validated scenario, so a trace replays even when the built-in it came from changes. */
  readonly scenario: Scenario;
  /** The variant and mutations the run used (the scenario's own, or the command line's overrides). */
  readonly variant: VariantId;
  readonly mutations: readonly MutationId[];
  /** The random scheduler's seed, when the choices came from one. */
  readonly seed?: number;
  readonly choices: readonly StepId[];
  /**
   * A liveness lasso (`hmmx check`, gpu-progress): `choices[cycleStart..]` is one turn of a cycle
   * that comes back to the world reached after `choices[..cycleStart]` and repeats forever.
   */
  readonly cycleStart?: number;
  /** The fairness the lasso is fair under (src/explore/liveness.ts `Fairness`); `transition` when absent. */
  readonly fairness?: 'transition' | 'actor';
  /** How the recorded run ended; replay checks it ends the same way. */
  readonly end?: RunEnd;
  readonly violation?: TraceViolation;
  readonly steps?: readonly TraceStep[];
}

/** A trace file that cannot be read, parsed or validated (file, JSON path, detail): exit 2. */
export class TraceError extends InputError {
  override readonly name = 'TraceError';
}

/** Stable step ids (src/runtime/step.ts): `actor` or `to<from`, actor ids as the scenario allows plus `.mmu`/`.child`. */
export const STEP_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*(<[A-Za-z][A-Za-z0-9_.-]*)?$/;
const RUN_ENDS: readonly RunEnd[] = ['quiescent', 'deadlock', 'violation', 'max-steps'];
const TOP_KEYS = ['format', 'scenario', 'variant', 'mutations', 'seed', 'choices', 'cycleStart', 'fairness', 'end', 'violation', 'steps'] as const;
const MAX_SEED = 0xffffffff;

/** Deterministic text: fixed key order, two-space indent, one choice per line, a final newline. */
export function encodeTrace(t: Trace): string {
  const ordered = {
    format: t.format,
    scenario: t.scenario,
    variant: t.variant,
    mutations: t.mutations,
    ...(t.seed === undefined ? {} : { seed: t.seed }),
    choices: t.choices,
    ...(t.cycleStart === undefined ? {} : { cycleStart: t.cycleStart }),
    ...(t.fairness === undefined ? {} : { fairness: t.fairness }),
    ...(t.end === undefined ? {} : { end: t.end }),
    ...(t.violation === undefined ? {} : { violation: { invariant: t.violation.invariant, message: t.violation.message } }),
    ...(t.steps === undefined ? {} : { steps: t.steps.map((s) => ({ id: s.id, log: s.log })) }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

type Json = Readonly<Record<string, unknown>>;

/** Parses and validates a trace; every problem is a `TraceError` naming `file` and the JSON path. */
export function decodeTrace(text: string, file: string): Trace {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    throw new TraceError(file, '$', jsonFailure(e, body));
  }
  const fail = (path: string, detail: string): never => {
    throw new TraceError(file, path, detail);
  };
  if (!isObject(raw)) return fail('$', `expected a trace object, got ${kindOf(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) fail(childPath('$', k), `unknown field; a trace has ${TOP_KEYS.join(', ')}`);
  }
  for (const k of ['format', 'scenario', 'variant', 'mutations', 'choices'] as const) {
    if (!(k in raw)) fail('$', `missing required field "${k}"`);
  }
  if (raw.format !== TRACE_FORMAT) {
    const got = raw.format;
    if (typeof got === 'string' && got.startsWith('hmmx-trace/')) {
      fail('$.format', `unsupported trace format ${JSON.stringify(got)}; this hmmx reads ${TRACE_FORMAT}`);
    }
    fail('$.format', `expected ${JSON.stringify(TRACE_FORMAT)}, got ${describe(got)}`);
  }
  const scenario = decodeScenario(raw.scenario, file);
  const variant = raw.variant;
  if (typeof variant !== 'string' || !isVariantId(variant)) {
    return fail('$.variant', `unknown variant ${describe(variant)}; known: ${VARIANTS.map((v) => v.id).join(', ')}`);
  }
  const mutations = decodeMutations(raw.mutations, fail);
  const seed = raw.seed === undefined ? undefined : decodeSeed(raw.seed, fail);
  const choices = decodeChoices(raw.choices, fail);
  const end = raw.end === undefined ? undefined : decodeEnd(raw.end, fail);
  const violation = raw.violation === undefined ? undefined : decodeViolation(raw.violation, fail);
  // A quiescent run may still violate the scenario's expected final memory; a cut-off one has no verdict.
  if ((end === 'violation' || end === 'deadlock') && violation === undefined) fail('$.end', `"${end}" needs a "violation"`);
  if (end === 'max-steps' && violation !== undefined) fail('$.end', '"max-steps" (cut off by the step limit) contradicts the recorded violation');
  const steps = raw.steps === undefined ? undefined : decodeSteps(raw.steps, choices, fail);
  const cycleStart = raw.cycleStart === undefined ? undefined : decodeCycleStart(raw.cycleStart, choices, violation !== undefined, fail);
  const fairness = raw.fairness === undefined ? undefined : decodeFairness(raw.fairness, cycleStart !== undefined, fail);
  return {
    format: TRACE_FORMAT,
    scenario,
    variant,
    mutations,
    ...(seed === undefined ? {} : { seed }),
    choices,
    ...(cycleStart === undefined ? {} : { cycleStart }),
    ...(fairness === undefined ? {} : { fairness }),
    ...(end === undefined ? {} : { end }),
    ...(violation === undefined ? {} : { violation }),
    ...(steps === undefined ? {} : { steps }),
  };
}

function decodeCycleStart(raw: unknown, choices: readonly StepId[], hasViolation: boolean, fail: Fail): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw >= choices.length) {
    return fail('$.cycleStart', `expected an index into choices (0 to ${choices.length - 1}), got ${describe(raw)}`);
  }
  if (!hasViolation) fail('$.cycleStart', 'a lasso needs the "violation" it shows');
  return raw;
}

function decodeFairness(raw: unknown, hasCycle: boolean, fail: Fail): 'transition' | 'actor' {
  if (raw !== 'transition' && raw !== 'actor') return fail('$.fairness', `expected "transition" or "actor", got ${describe(raw)}`);
  if (!hasCycle) fail('$.fairness', 'only a lasso (cycleStart) has a fairness');
  return raw;
}

type Fail = (path: string, detail: string) => never;

function decodeScenario(raw: unknown, file: string): Scenario {
  try {
    return validateScenario(raw, file, VARIANTS.map((v) => v.id), MUTATIONS.map((m) => m.id));
  } catch (e) {
    if (e instanceof ScenarioError) throw new TraceError(file, `$.scenario${e.path.slice(1)}`, e.detail);
    throw e;
  }
}

function decodeMutations(raw: unknown, fail: Fail): readonly MutationId[] {
  if (!Array.isArray(raw)) return fail('$.mutations', `expected an array of mutation ids, got ${kindOf(raw)}`);
  const seen = new Set<string>();
  return raw.map((m: unknown, i): MutationId => {
    const p = `$.mutations[${i}]`;
    if (typeof m !== 'string' || !isMutationId(m)) {
      return fail(p, `unknown mutation ${describe(m)}; known: ${MUTATIONS.map((x) => x.id).join(', ')}`);
    }
    if (seen.has(m)) fail(p, `duplicate mutation ${JSON.stringify(m)}`);
    seen.add(m);
    return m;
  });
}

function decodeSeed(raw: unknown, fail: Fail): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_SEED) {
    return fail('$.seed', `expected an integer from 0 to ${MAX_SEED}, got ${describe(raw)}`);
  }
  return raw;
}

function decodeChoices(raw: unknown, fail: Fail): readonly StepId[] {
  if (!Array.isArray(raw)) return fail('$.choices', `expected an array of step ids, got ${kindOf(raw)}`);
  return raw.map((c: unknown, i): StepId => {
    if (typeof c !== 'string' || !STEP_ID_PATTERN.test(c)) {
      return fail(`$.choices[${i}]`, `expected a step id such as "cpu0" or "gpu0<gpu0.mmu", got ${describe(c)}`);
    }
    return c;
  });
}

function decodeEnd(raw: unknown, fail: Fail): RunEnd {
  const e = RUN_ENDS.find((x) => x === raw);
  return e ?? fail('$.end', `expected one of ${RUN_ENDS.join(', ')}, got ${describe(raw)}`);
}

function decodeViolation(raw: unknown, fail: Fail): TraceViolation {
  if (!isObject(raw)) return fail('$.violation', `expected {invariant, message}, got ${kindOf(raw)}`);
  for (const k of Object.keys(raw)) {
    if (k !== 'invariant' && k !== 'message') fail(childPath('$.violation', k), 'unknown field; a violation has invariant, message');
  }
  const invariant = raw.invariant;
  if (typeof invariant !== 'string' || invariant === '') {
    return fail('$.violation.invariant', `expected a property id such as "S2" or "deadlock", got ${describe(invariant)}`);
  }
  const message = raw.message;
  if (typeof message !== 'string') return fail('$.violation.message', `expected a string, got ${describe(message)}`);
  return { invariant, message };
}

function decodeSteps(raw: unknown, choices: readonly StepId[], fail: Fail): readonly TraceStep[] {
  if (!Array.isArray(raw)) return fail('$.steps', `expected an array of {id, log}, got ${kindOf(raw)}`);
  if (raw.length !== choices.length) {
    fail('$.steps', `has ${raw.length} entries but there are ${choices.length} choices`);
  }
  return raw.map((s: unknown, i): TraceStep => {
    const p = `$.steps[${i}]`;
    if (!isObject(s)) return fail(p, `expected {id, log}, got ${kindOf(s)}`);
    for (const k of Object.keys(s)) {
      if (k !== 'id' && k !== 'log') fail(childPath(p, k), 'unknown field; a step has id, log');
    }
    if (s.id !== choices[i]) fail(`${p}.id`, `is ${describe(s.id)} but choices[${i}] is ${JSON.stringify(choices[i])}`);
    if (typeof s.log !== 'string') return fail(`${p}.log`, `expected a string, got ${describe(s.log)}`);
    return { id: s.id as StepId, log: s.log };
  });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
  return kindOf(v);
}

/** Node 20 says "at position N", newer V8 "(line L column C)": both become a line and column. */
function jsonFailure(e: unknown, text: string): string {
  if (text.trim() === '') return 'invalid JSON: the file is empty';
  const message = e instanceof Error ? e.message : String(e);
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol !== null) return `invalid JSON at line ${lineCol[1]}, column ${lineCol[2]}`;
  const pos = /at position (\d+)/.exec(message);
  if (pos?.[1] !== undefined) {
    const before = text.slice(0, Number(pos[1]));
    return `invalid JSON at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  return `invalid JSON: ${message}`;
}
