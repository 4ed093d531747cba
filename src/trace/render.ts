import type { ActorId, ActorKind, CallEvent, CallType, Layout, PostEvent, RetEvent, StateValue, World } from '../domain/index.js';
import type { Delivery, StepId } from '../runtime/step.js';
import { addrFmt } from './addr.js';
import { CALLS_HIDING_NESTED, callText, postText, type CallFmt } from './calls.js';
import { worldEffects } from './diff.js';
import { functionOf, snakeCase, statePath, statePaths } from './worldView.js';

/**
 * The kernel-style log: one line per step, like an ftrace log —
 * `[  12] cpu0  remove_device_exclusive_entry  folio_lock_or_retry pfn=1 → locked  | folio 1: locked by cpu0`.
 * Columns: step number (the index of its choice in the trace), the acting actor, the kernel
 * function it was in, then the calls it made with their results and what changed in the world.
 */

/** A step as the runtime records it (`RunStep`), or as a test writes one by hand. */
export interface LogStep {
  readonly id: StepId;
  readonly deliveries: readonly Delivery[];
  /** The world after the step. */
  readonly world: World;
}

export interface LogRow {
  readonly index: number;
  readonly actor: ActorId;
  readonly where: string;
  readonly what: string;
}

interface CallNode {
  readonly call: CallEvent;
  result: RetEvent['result'] | null;
  readonly children: CallNode[];
}

/** Rebuilds the call tree of a step: deliveries are recorded depth first, each call followed (later) by its RET. */
function callTree(deliveries: readonly Delivery[]): readonly CallNode[] {
  const roots: CallNode[] = [];
  const stack: CallNode[] = [];
  for (const d of deliveries) {
    if (d.mode === 'call') {
      const node: CallNode = { call: d.event as CallEvent, result: null, children: [] };
      (stack[stack.length - 1]?.children ?? roots).push(node);
      stack.push(node);
    } else if (d.mode === 'ret') {
      const node = stack.pop();
      if (node !== undefined) node.result = (d.event as RetEvent).result;
    }
  }
  return roots;
}

function renderCall(node: CallNode, f: CallFmt): string {
  const { type, from: _from, ...args } = node.call;
  // A CallEvent is a union over call types; TypeScript cannot pair its `type` with its own args and
  // RET result, which the runtime guarantees (a RET names the call it answers).
  const text = callText(type as CallType, args as never, node.result as never, f);
  if (node.children.length === 0 || CALLS_HIDING_NESTED.has(type)) return text;
  return `${text} { ${node.children.map((c) => renderCall(c, f)).join('; ')} }`;
}

/**
 * The column that says where the actor is: the kernel function its state names before the step.
 * Of a parallel machine (a driver's callbacks and its fault worker), the region that moved.
 */
export function whereOf(kind: ActorKind, before: StateValue, after: StateValue | undefined): string {
  // A channel is not kernel code: its steps are the GPU's own accesses.
  if (kind === 'gpuChannel') return 'gpu';
  const paths = statePaths(before);
  const afterPaths = after === undefined ? [] : statePaths(after);
  const key = (p: readonly string[]): string => p.join('/');
  const moved = paths.filter((p) => !afterPaths.some((q) => key(q) === key(p)));
  // A step that stays in its state (a loop over notifier targets) moved no region: the busy
  // region is the deeper one (an idle region rests near the root).
  const deepest = (ps: readonly (readonly string[])[]): readonly string[] | undefined =>
    ps.reduce<readonly string[] | undefined>((best, p) => (best === undefined || p.length > best.length ? p : best), undefined);
  return functionOf(deepest(moved) ?? deepest(paths) ?? []);
}

export function stepRow(layout: Layout, index: number, before: World, step: LogStep): LogRow {
  const trigger = step.deliveries[0];
  const actor = trigger?.to ?? step.id;
  const snap = before.actors.find((a) => a.id === actor);
  const kinds = new Map(step.world.actors.map((a) => [a.id, a.kind] as const));
  const f: CallFmt = { ...addrFmt(layout), kindOf: (id) => kinds.get(id) };
  const parts: string[] = [];
  if (trigger?.mode === 'post') parts.push(`⇐ ${postText(trigger.event as PostEvent, f)} from ${trigger.event.from}`);
  for (const node of callTree(step.deliveries)) parts.push(renderCall(node, f));
  const effects = worldEffects(f, actor, before, step.world, trigger?.mode === 'post' ? 1 : 0);
  const next = step.world.actors.find((a) => a.id === actor);
  if (parts.length === 0 && effects.length === 0 && snap !== undefined && next !== undefined) {
    // A local step (a driver mutex released, a loop turned): say where it went.
    parts.push(`⇒ ${movedTo(snap.value, next.value)}`);
  }
  let what = parts.join('; ');
  if (effects.length > 0) what = what === '' ? `| ${effects.join(', ')}` : `${what}  | ${effects.join(', ')}`;
  return { index, actor, where: snap === undefined ? '' : whereOf(snap.kind, snap.value, next?.value), what };
}

function movedTo(before: StateValue, after: StateValue): string {
  const was = new Set(statePaths(before).map((p) => p.join('/')));
  const to = statePaths(after).find((p) => !was.has(p.join('/'))) ?? statePath(after);
  return to.slice(-2).map(snakeCase).join('/');
}

const MAX_WHERE = 36;

/** Aligns rows into columns; deterministic (widths come from the rows themselves). */
export function formatRows(rows: readonly LogRow[]): readonly string[] {
  const aw = Math.max(5, ...rows.map((r) => r.actor.length));
  const ww = Math.min(MAX_WHERE, Math.max(0, ...rows.map((r) => r.where.length)));
  const iw = Math.max(4, ...rows.map((r) => String(r.index).length));
  return rows.map((r) => `[${String(r.index).padStart(iw)}] ${r.actor.padEnd(aw)}  ${r.where.padEnd(ww)}  ${r.what}`.trimEnd());
}

/** The log of a whole run, from its initial world. */
export function renderLog(layout: Layout, initial: World, steps: readonly LogStep[]): readonly string[] {
  const rows: LogRow[] = [];
  let before = initial;
  steps.forEach((s, i) => {
    rows.push(stepRow(layout, i, before, s));
    before = s.world;
  });
  return formatRows(rows);
}

/** Where each region lives, so the vpns and pfns of the log can be read against the scenario. */
export function renderLayout(layout: Layout): readonly string[] {
  return layout.regions.map((r) => {
    const pages = r.pages === 1 ? '1 page' : `${r.pages} pages`;
    const prot = r.write ? 'rw' : 'r';
    return `region ${r.id}: vpn 0x${r.start.toString(16)}..0x${(r.start + r.pages - 1).toString(16)} (${pages} × ${r.wordsPerPage} words, ${r.shared ? 'shared' : 'private-anon'} ${prot}, populate ${r.populate})`;
  });
}
