import { ALL_INVARIANTS, S1, S5, UnknownInvariantError, WorldShapeError, selectInvariants } from '../../src/invariants/index.js';
import { ctxFor, kernelActor, mm, mmuActor, world, zeroPage } from './fixtures.js';

describe('the catalogue', () => {
  it('lists the properties in check order, each citing the kernel', () => {
    expect(ALL_INVARIANTS.map((i) => i.id)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S13', 'op-expectation']);
    for (const i of ALL_INVARIANTS) {
      expect(i.kernel.length).toBeGreaterThan(0);
      expect(i.state !== undefined || i.step !== undefined).toBe(true);
    }
  });

  it('selects by id in catalogue order; runtime ids are accepted, unknown ids refused', () => {
    expect(selectInvariants('all')).toBe(ALL_INVARIANTS);
    expect(selectInvariants(['S13', 'S1', 'deadlock']).map((i) => i.id)).toEqual(['S1', 'S13']);
    expect(() => selectInvariants(['S1', 'S10'])).toThrow(UnknownInvariantError);
    expect(() => selectInvariants(['S10'])).toThrow(/S10 are not checked/);
  });
});

describe('view: shape errors are loud', () => {
  it('throws a WorldShapeError naming the actor and field when a context shape is missing', () => {
    const noK = world({ id: 'mm', kind: 'kernelMm', value: 'serving', context: { out: [] } });
    expect(() => S1.state?.(ctxFor(), noK)).toThrow(WorldShapeError);
    expect(() => S1.state?.(ctxFor(), noK)).toThrow('mm (kernelMm): context.k is missing');
  });

  it('throws when a nouveau driver has no svmmMutex or no worker region', () => {
    const base = [kernelActor([mm(0, {})], [zeroPage]), mmuActor()];
    const noMutex = world(...base, { id: 'gpu0', kind: 'nouveauSvm', value: { nouveauSvmFault: 'idle' }, context: { out: [] } });
    expect(() => S5.state?.(ctxFor(), noMutex)).toThrow('context.svmmMutex');
    const noWorker = world(...base, { id: 'gpu0', kind: 'nouveauSvm', value: { a: 'x', b: 'y' }, context: { out: [], svmmMutex: null } });
    expect(() => S5.state?.(ctxFor(), noWorker)).toThrow(/no region matching/);
  });

  it('throws when a dmirror has no ioctl field', () => {
    const base = [kernelActor([mm(0, {})], [zeroPage]), mmuActor()];
    const noIoctl = world(...base, { id: 'dmirror0', kind: 'dmirror', value: 'idle', context: { out: [], pt: {}, mutex: null } });
    expect(() => S5.state?.(ctxFor(), noIoctl)).toThrow('dmirror0 (dmirror): context.ioctl');
  });
});
