import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

// The layers of docs/model-conventions.md and architecture.md: imports flow downward only.
const ROOT = resolve(__dirname, '..');

function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  let out: string[] = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out = out.concat(filesUnder(relative(ROOT, p)));
    else if (name.endsWith('.ts')) out.push(relative(ROOT, p));
  }
  return out;
}

/** The layer of a repo-relative path: `src/mm`, `machines`, ... */
function layerOf(path: string): string {
  if (path.startsWith('machines/')) return 'machines';
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? `src/${m[1]}` : path;
}

function importsOf(file: string): { spec: string; target: string | null }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
  return specs.map((spec) => ({
    spec,
    target: spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts') : null,
  }));
}

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'src/domain': [],
  'src/mm': ['src/domain'],
  'src/hw': ['src/domain'],
  'src/drivers': ['src/domain', 'src/mm', 'src/hw'],
  'src/streams': ['src/domain', 'src/hw'],
  'src/scenario': ['src/domain'],
  'src/invariants': ['src/domain', 'src/runtime'],
  'src/sched': ['src/domain', 'src/runtime'],
  machines: ['src/domain', 'src/mm', 'src/hw', 'src/drivers', 'src/streams'],
  'src/runtime': ['src/domain', 'src/scenario', 'src/invariants', 'src/sched', 'machines'],
  'src/trace': ['src/domain', 'src/scenario', 'src/runtime', 'src/invariants', 'src/sched', 'machines'],
  'src/explore': ['src/domain', 'src/scenario', 'src/runtime', 'src/invariants', 'src/sched', 'src/trace', 'machines'],
  'src/viz': ['src/domain', 'src/scenario', 'src/runtime', 'src/trace', 'machines'],
  'src/web': ['src/domain', 'src/scenario', 'src/runtime', 'src/trace', 'src/viz'],
  'src/cli': ['*'],
};
/** Packages a layer may import (node built-ins only where the layer may do I/O). */
const PACKAGES: Readonly<Record<string, readonly string[]>> = {
  machines: ['xstate'],
  'src/runtime': ['xstate'],
  'src/streams': ['rxjs'],
  'src/explore': ['node:worker_threads', 'worker_threads', 'node:os'],
  'src/viz': ['xstate'],
  'src/cli': ['*'],
};

const files = [...filesUnder('src'), ...filesUnder('machines')];

describe('architecture: imports flow downward only', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s imports only what its layer may', (file) => {
    const layer = layerOf(file);
    const allowed = ALLOWED[layer];
    expect(allowed).toBeDefined();
    for (const { spec, target } of importsOf(file)) {
      if (target === null) {
        const pkgs = PACKAGES[layer] ?? [];
        if (!pkgs.includes('*')) expect({ file, spec, ok: pkgs.includes(spec) }).toEqual({ file, spec, ok: true });
        continue;
      }
      const tl = layerOf(target);
      if (tl === layer || (allowed ?? []).includes('*')) continue;
      expect({ file, imports: target, ok: (allowed ?? []).includes(tl) }).toEqual({ file, imports: target, ok: true });
    }
  });

  it('nothing imports the CLI', () => {
    for (const file of files.filter((f) => !f.startsWith('src/cli/'))) {
      for (const { target } of importsOf(file)) expect(target?.startsWith('src/cli/') ?? false).toBe(false);
    }
  });

  it('mm never imports a driver', () => {
    for (const file of files.filter((f) => f.startsWith('src/mm/'))) {
      for (const { target } of importsOf(file)) expect(target?.startsWith('src/drivers/') ?? false).toBe(false);
    }
  });

  it('the runtime knows machines only through the registry', () => {
    for (const file of files.filter((f) => f.startsWith('src/runtime/'))) {
      for (const { target } of importsOf(file)) {
        if (target?.startsWith('machines/')) expect(target).toBe('machines/index.ts');
      }
    }
  });

  it('no wall clock or randomness inside the model', () => {
    const model = files.filter((f) => /^(src\/(domain|mm|hw|drivers|streams|runtime|invariants)|machines)\//.test(f));
    for (const file of model) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect({ file, bad: /Math\.random|Date\.now|new Date\(|setTimeout|setInterval|performance\.now/.test(text) }).toEqual({ file, bad: false });
    }
  });
});
