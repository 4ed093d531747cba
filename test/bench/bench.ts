/**
 * `npm run bench`: what `hmmx check` costs on every built-in scenario, measured on this machine
 * and printed as a table (never asserted: machines differ). Each row is one whole `hmmx check`
 * process (start-up, model build, exploration, exit), so "wall s" is what a user waits.
 *
 *   npm run bench                      every scenario, 30 s cap per run
 *   npm run bench -- --max-seconds 10  a lower cap
 *   npm run bench -- peer-3cpu-1gpu    only the scenarios named
 *
 * Rows: bfs on 1 and 2 worker threads (the default check: symmetry reduction on, liveness as the
 * scenario asks), and dfs with liveness off, with and without its sleep-set reduction. Then the
 * memory of the visited-state store, measured in-process with heap deltas.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinScenarios } from '../../src/scenario/index.js';
import { grouped } from '../../src/explore/progress.js';

const ROOT = join(__dirname, '..', '..', '..');
const HMMX = join(ROOT, 'bin', 'hmmx.js');
/** Counterexample traces the runs write go here, and are deleted at the end. */
const TRACES = mkdtempSync(join(tmpdir(), 'hmmx-bench-'));
let runs = 0;

interface Row {
  readonly scenario: string;
  readonly variant: string;
  readonly run: string;
  readonly verdict: string;
  readonly states: number;
  readonly transitions: number;
  readonly wall: number;
  readonly explore: number;
  readonly bytes: number | null;
}

function check(scenario: string, run: string, args: readonly string[], cap: number): Row {
  const started = process.hrtime.bigint();
  const trace = join(TRACES, `run-${runs++}.trace.json`);
  const r = spawnSync(process.execPath, [HMMX, 'check', scenario, '--json', '--max-seconds', String(cap), '--trace', trace, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  let j: { verdict?: string; variant?: string; states?: number; transitions?: number; seconds?: number; bytesPerState?: number; limit?: string } = {};
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    j = { verdict: `error (exit ${r.status}): ${r.stderr.split('\n')[0] ?? ''}` };
  }
  const verdict = j.verdict === 'incomplete' && j.limit !== undefined ? `incomplete (${j.limit})` : (j.verdict ?? '?');
  return {
    scenario,
    variant: j.variant ?? '?',
    run,
    verdict,
    states: j.states ?? 0,
    transitions: j.transitions ?? 0,
    wall,
    explore: j.seconds ?? 0,
    bytes: j.bytesPerState ?? null,
  };
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function printRows(rows: readonly Row[]): void {
  const head = ['scenario', 'variant', 'run', 'verdict', 'states', 'transitions', 'wall s', 'explore s', 'states/s', 'B/state'];
  const cells = rows.map((r) => [
    r.scenario,
    r.variant,
    r.run,
    r.verdict,
    grouped(r.states),
    grouped(r.transitions),
    r.wall.toFixed(2),
    r.explore.toFixed(2),
    r.explore > 0 ? grouped(r.states / r.explore) : '-',
    r.bytes === null ? '-' : r.bytes.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const numeric = new Set([4, 5, 6, 7, 8, 9]);
  const line = (c: readonly string[]): string => c.map((x, i) => pad(x, widths[i] as number, numeric.has(i))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** The visited-state store's bytes per state, and the whole heap's growth per state, in a child with --expose-gc. */
function memory(scenario: string, states: number): string {
  const code = `
    const { buildModel } = require(${JSON.stringify(join(ROOT, 'dist/src/runtime/build.js'))});
    const { builtinScenarios } = require(${JSON.stringify(join(ROOT, 'dist/src/scenario/index.js'))});
    const { explore, targetOf } = require(${JSON.stringify(join(ROOT, 'dist/src/explore/index.js'))});
    const t = targetOf(buildModel(builtinScenarios.get(${JSON.stringify(scenario)}), {}), { liveness: false });
    global.gc(); const before = process.memoryUsage();
    const r = explore(t, { strategy: 'bfs', maxStates: ${states} });
    global.gc(); const after = process.memoryUsage();
    const heap = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / r.states;
    console.log(JSON.stringify({ states: r.states, store: r.bytesPerState, heap }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 24 });
  try {
    const j = JSON.parse(r.stdout) as { states: number; store: number; heap: number };
    return `${scenario}: ${grouped(j.states)} states; store (typed arrays) ${j.store.toFixed(1)} B/state; whole heap growth ${j.heap.toFixed(0)} B/state (interned actor states, memo tables and the BFS frontier included)`;
  } catch {
    return `${scenario}: memory measurement failed: ${r.stderr.split('\n')[0] ?? ''}`;
  }
}

function main(argv: readonly string[]): void {
  let cap = 30;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--max-seconds') cap = Number(argv[++i]);
    else only.push(a);
  }
  const names = only.length > 0 ? only : [...builtinScenarios.keys()];
  console.log(`hmmx bench: ${names.length} scenarios, every run capped at ${cap} s (--max-seconds), node ${process.version}\n`);
  const rows: Row[] = [];
  for (const s of names) {
    rows.push(check(s, 'bfs, 1 worker', [], cap));
    rows.push(check(s, 'bfs, 2 workers', ['--workers', '2'], cap));
    rows.push(check(s, 'dfs safety, sleep sets', ['--strategy', 'dfs', '--liveness', 'off'], cap));
    rows.push(check(s, 'dfs safety, no reduction', ['--strategy', 'dfs', '--liveness', 'off', '--reduction', 'off'], cap));
    console.error(`bench: ${s} done`);
  }
  printRows(rows);
  console.log('');
  console.log('memory (bfs, safety only):');
  console.log(`  ${memory('peer-3cpu-1gpu', 500_000)}`);
  console.log('');
  const find = (s: string, run: string): Row | undefined => rows.find((r) => r.scenario === s && r.run === run);
  const p2 = find('peer-2cpu-1gpu', 'bfs, 1 worker');
  const p3 = find('peer-3cpu-1gpu', 'bfs, 1 worker');
  const p3w = find('peer-3cpu-1gpu', 'bfs, 2 workers');
  console.log('goals:');
  if (p2 !== undefined) console.log(`  peer-2cpu-1gpu verdict in < 1.5 s (whole process): ${p2.wall.toFixed(2)} s (${p2.verdict})`);
  if (p3 !== undefined) console.log(`  >= 200,000 distinct states/s on 1 worker, peer-3cpu-1gpu: ${grouped(p3.states / Math.max(p3.explore, 1e-9))} states/s`);
  if (p3 !== undefined && p3w !== undefined) {
    const r1 = p3.states / Math.max(p3.explore, 1e-9);
    const r2 = p3w.states / Math.max(p3w.explore, 1e-9);
    console.log(`  2 workers >= 1.7x one on peer-3cpu-1gpu (states/s): ${(r2 / r1).toFixed(2)}x`);
  }
  console.log('  <= 64 bytes per stored state: see "store" above');
}

try {
  main(process.argv.slice(2));
} finally {
  rmSync(TRACES, { recursive: true, force: true });
}
