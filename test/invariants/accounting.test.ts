import { S4 } from '../../src/invariants/index.js';
import { V, ctxFor, devExcl, folio, kernelActor, mm, mmuActor, present, world, zeroPage } from './fixtures.js';
import type { Folio, Pte } from '../../src/domain/index.js';

function w(pte: Pte, f: Folio, child?: Pte) {
  const mms = [mm(0, { [V]: pte }), ...(child === undefined ? [] : [mm(1, { [V]: child })])];
  return world(kernelActor(mms, [zeroPage, f]), mmuActor());
}
const e1 = ctxFor('linux-5.14');
const e2 = ctxFor('linux-6.15');

describe('S4 reference/mapcount accounting', () => {
  it('6.15: a devExcl entry stays counted in mapcount', () => {
    expect(S4.state?.(e2, w(devExcl(1), folio(1, { mapcount: 1, refcount: 2 })))).toBeNull();
    expect(S4.state?.(e2, w(devExcl(1), folio(1, { mapcount: 0, refcount: 2 })))).toBe(
      'pfn 1: mapcount 0, but 0 present PTE(s) and 1 device-exclusive entry map it (6.15: present + device-exclusive = 1)',
    );
  });

  it('5.14: a devExcl entry is not counted in mapcount (dropped at conversion)', () => {
    expect(S4.state?.(e1, w(devExcl(1), folio(1, { mapcount: 0, refcount: 2 })))).toBeNull();
    expect(S4.state?.(e1, w(devExcl(1), folio(1, { mapcount: 1, refcount: 2 })))).toContain('5.14: present only = 0');
  });

  it('both: present PTEs in every live mm are counted; dead mms are not', () => {
    const cow = present(1, { write: false });
    expect(S4.state?.(e1, w(cow, folio(1, { mapcount: 2, refcount: 2 }), cow))).toBeNull();
    expect(S4.state?.(e2, w(cow, folio(1, { mapcount: 1, refcount: 2 }), cow))).toContain('2 present PTE(s)');
    const dead = world(kernelActor([mm(0, { [V]: present(1) }, { live: false })], [zeroPage, folio(1, { mapcount: 0 })]), mmuActor());
    expect(S4.state?.(e2, dead)).toBeNull();
  });

  it('both: refcount at least the number of mappings', () => {
    expect(S4.state?.(e2, w(devExcl(1), folio(1, { mapcount: 1, refcount: 1 })))).toBeNull();
    const cow = present(1, { write: false });
    expect(S4.state?.(e1, w(cow, folio(1, { mapcount: 2, refcount: 1 }), cow))).toBe('pfn 1: refcount 1 < 2 PTE(s)/entries mapping it');
  });

  it('skips the zero page and freed folios', () => {
    const zeroMapped = world(kernelActor([mm(0, { [V]: present(0, { write: false }) })], [zeroPage]), mmuActor());
    expect(S4.state?.(e2, zeroMapped)).toBeNull();
    expect(S4.state?.(e2, w({ kind: 'none' }, folio(1, { mapcount: 1, refcount: 0 })))).toBeNull();
  });
});
