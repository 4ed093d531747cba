import type { MutationId, VariantId, World } from '../../src/domain/index.js';
import { ALL_INVARIANTS, type Invariant, type Violation } from '../../src/invariants/index.js';
import { buildModel } from '../../src/runtime/build.js';
import { checkState, checkStep, propertyContext, runModel } from '../../src/runtime/run.js';
import { enabledSteps } from '../../src/runtime/step.js';
import { randomScheduler } from '../../src/sched/scheduler.js';
import { builtinScenarios } from '../../src/scenario/builtins.js';

// The catalogue against the real machines: no false alarm on the unmutated variants, and the
// injected bugs are reported by the property that names them.

function scenario(name: string) {
  const s = builtinScenarios.get(name);
  if (s === undefined) throw new Error(`no built-in scenario ${name}`);
  return s;
}

/**
 * cpu-gpu-atomic-thrash under one fixed schedule: GPU-side steps until a GPU atomic is between
 * its read and write halves, then CPU steps first — the CPU faults on the devExcl page right then.
 */
function thrashRaced(variant: VariantId, mutations: readonly MutationId[], invariants: readonly Invariant[]): Violation | null {
  const model = buildModel(scenario('cpu-gpu-atomic-thrash'), { variant, mutations });
  const ctx = propertyContext(model);
  let w: World = model.initial;
  for (let i = 0; i < 2000; i++) {
    const en = enabledSteps(w, model.steppers, true);
    if (en.length === 0) return checkState(ctx, invariants, w);
    const g = w.actors.find((a) => a.id === 'gpu0.mmu')?.context['g'] as { readonly inflight: readonly unknown[] };
    const cpuFirst = g.inflight.length > 0;
    const pick = en.find((e) => e.id.startsWith('cpu') === cpuFirst) ?? en[0];
    if (pick === undefined) throw new Error('unreachable');
    const v = checkStep(ctx, invariants, w, pick.outcome.deliveries, pick.outcome.world);
    if (v !== null) return v;
    w = pick.outcome.world;
  }
  throw new Error('schedule did not finish');
}

describe('the catalogue on the real model', () => {
  it.each(['linux-6.15', 'linux-5.14'] as const)('%s: random schedules of the built-in scenarios raise no safety violation', (variant) => {
    for (const name of ['svm-atomic-basic', 'cpu-gpu-atomic-thrash', 'two-gpus', 'hmm-exclusive', 'hmm-exclusive-cow']) {
      for (let seed = 1; seed <= 8; seed++) {
        const r = runModel(buildModel(scenario(name), { variant }), randomScheduler(seed), ALL_INVARIANTS, { checkDeadlock: false });
        expect({ name, seed, violation: r.violation }).toEqual({ name, seed, violation: null });
      }
    }
  });

  it.each(['linux-6.15', 'linux-5.14'] as const)('%s: PFNCLR without drain (gpu-clear-no-drain) breaks S1, then S2', (variant) => {
    expect(thrashRaced(variant, [], ALL_INVARIANTS)).toBeNull();
    expect(thrashRaced(variant, ['gpu-clear-no-drain'], ALL_INVARIANTS)?.invariant).toBe('S1');
    const lost = thrashRaced(variant, ['gpu-clear-no-drain'], ALL_INVARIANTS.filter((i) => i.id !== 'S1'));
    expect(lost?.invariant).toBe('S2');
    expect(lost?.message).toContain('an update was lost');
  });

  it('restore-before-invalidate breaks S8; driver-ignores-invalidate breaks S1 (dmirror selftest)', () => {
    const run = (m: MutationId) => runModel(buildModel(scenario('hmm-exclusive'), { mutations: [m] }), randomScheduler(1), ALL_INVARIANTS).violation;
    expect(run('restore-before-invalidate')?.invariant).toBe('S8');
    expect(run('driver-ignores-invalidate')?.invariant).toBe('S1');
  });

  it('driver-skips-seq-retry breaks S9 when the other GPU revokes between read_begin and PFNMAP (two-gpus)', () => {
    const r = runModel(buildModel(scenario('two-gpus'), { mutations: ['driver-skips-seq-retry'] }), randomScheduler(1), ALL_INVARIANTS);
    expect(r.violation?.invariant).toBe('S9');
    expect(r.violation?.message).toContain('mmu_interval_read_retry');
  });
});
