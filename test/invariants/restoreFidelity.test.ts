import type { Pte } from '../../src/domain/index.js';
import { S3 } from '../../src/invariants/index.js';
import type { Delivery } from '../../src/runtime/stepTypes.js';
import { V, ctxFor, devExcl, folio, kernelActor, mm, mmuActor, present, vma, world, zeroPage } from './fixtures.js';

function restoreStep(orig: Pte, restored = true): readonly Delivery[] {
  return [
    { to: 'cpu0', mode: 'step', event: { type: 'STEP', from: 'cpu0' } },
    { to: 'mm', mode: 'call', event: { type: 'RESTORE_EXCLUSIVE_PTE', from: 'cpu0', mm: 0, vpn: V, orig, pfn: 1 } },
    { to: 'cpu0', mode: 'ret', event: { type: 'RET', from: 'mm', call: 'RESTORE_EXCLUSIVE_PTE', result: { restored } } },
  ];
}

interface Case {
  readonly orig: Pte;
  readonly after: Pte;
  readonly vmaWrite?: boolean;
  readonly softDirtyTracking?: boolean;
  readonly anonExclusive?: boolean;
  readonly folioDirty?: boolean;
  readonly restored?: boolean;
}

function run(variant: 'linux-5.14' | 'linux-6.15', c: Case): string | null {
  const m = (pte: Pte) =>
    mm(0, { [V]: pte }, { vmas: [vma({ write: c.vmaWrite ?? true, softDirtyTracking: c.softDirtyTracking ?? false })] });
  const f = folio(1, { anonExclusive: c.anonExclusive ?? true, dirty: c.folioDirty ?? true });
  const before = world(kernelActor([m(c.orig)], [zeroPage, f]), mmuActor());
  const after = world(kernelActor([m(c.after)], [zeroPage, f]), mmuActor());
  return S3.step?.(ctxFor(variant), before, restoreStep(c.orig, c.restored ?? true), after) ?? null;
}

const clean = { young: false, dirty: false, write: false };

describe('S3 restore fidelity, linux-5.14 (writability from the entry type)', () => {
  it('passes: a WRITE entry restores writable and dirty, a READ entry read-only and clean', () => {
    expect(run('linux-5.14', { orig: devExcl(1, { writable: true }), after: present(1, { young: false, write: true, dirty: true }) })).toBeNull();
    expect(run('linux-5.14', { orig: devExcl(1, { writable: false }), after: present(1, clean) })).toBeNull();
  });

  it('passes: a WRITE entry in a VMA without VM_WRITE is dirty but read-only (maybe_mkwrite)', () => {
    expect(run('linux-5.14', { orig: devExcl(1, { writable: true }), after: present(1, { young: false, dirty: true, write: false }), vmaWrite: false })).toBeNull();
  });

  it('fails: a READ entry restored writable', () => {
    expect(run('linux-5.14', { orig: devExcl(1, { writable: false }), after: present(1, { young: false, write: true, dirty: false }) })).toContain(
      'write true, linux-5.14 rule says false',
    );
  });

  it('fails: uffd-wp entry restored writable, young set, soft-dirty lost', () => {
    const msg = run('linux-5.14', {
      orig: devExcl(1, { writable: true, uffdWp: true, softDirty: true }),
      after: present(1, { young: true, write: true, dirty: true, uffdWp: true, softDirty: false }),
    });
    expect(msg).toContain('young set');
    expect(msg).toContain('softDirty false != entry true');
    expect(msg).toContain('writable although uffd-wp');
  });
});

describe('S3 restore fidelity, linux-6.15 (can_change_pte_writable)', () => {
  it('passes: anon-exclusive page in a writable VMA restores writable, dirty from the folio', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, { young: false, write: true, dirty: true }) })).toBeNull();
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, { young: false, write: true, dirty: false }), folioDirty: false })).toBeNull();
  });

  it('passes: read-only after mprotect(PROT_READ), after the page became shared, or with soft-dirty tracking pending', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, clean), vmaWrite: false })).toBeNull();
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, clean), anonExclusive: false })).toBeNull();
    expect(run('linux-6.15', { orig: devExcl(1, { softDirty: false }), after: present(1, clean), softDirtyTracking: true })).toBeNull();
  });

  it('fails: the 5.14 rule applied on 6.15 (read-only from a single-type entry)', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, clean) })).toContain('write false, linux-6.15 rule says true');
  });

  it('fails: writable in a VMA without VM_WRITE; dirty without write', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, { young: false, write: true }), vmaWrite: false })).toContain(
      'writable in a VMA without VM_WRITE',
    );
    expect(run('linux-6.15', { orig: devExcl(1), after: present(1, { young: false, write: false, dirty: true }), vmaWrite: false })).toContain(
      'dirty true, linux-6.15 rule says false',
    );
  });

  it('fails: the PTE is not present after a successful restore; other pfn', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: devExcl(1) })).toContain('after a successful restore');
    expect(run('linux-6.15', { orig: devExcl(1), after: present(2, { young: false }) })).toContain('pfn 2 != entry pfn 1');
  });

  it('does not judge a restore that reported restored: false', () => {
    expect(run('linux-6.15', { orig: devExcl(1), after: devExcl(1), restored: false })).toBeNull();
  });
});
