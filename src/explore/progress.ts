import type { Progress } from './types.js';

/** 1234567 → "1,234,567". */
export function grouped(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The plain progress line for logs and pipes. */
export function progressLine(p: Progress, unit: 'states' | 'executions'): string {
  const rate = p.seconds > 0 ? p.states / p.seconds : 0;
  const frontier = unit === 'states' ? `, frontier ${grouped(p.frontier)}` : '';
  return `hmmx check: ${grouped(p.states)} ${unit}, ${grouped(rate)} ${unit}/s, depth ${p.depth}${frontier}, ${p.seconds.toFixed(1)} s`;
}

/**
 * The one-line bar for a terminal. Filled against `--max-states` or `--max-seconds` when one is
 * given (whichever is further along); without a bound the total is unknown and a marker sweeps.
 */
export function progressBar(p: Progress, unit: 'states' | 'executions', bound: { readonly maxStates?: number; readonly maxSeconds?: number }, width = 24): string {
  const fractions = [
    bound.maxStates === undefined ? null : p.states / bound.maxStates,
    bound.maxSeconds === undefined ? null : p.seconds / bound.maxSeconds,
  ].filter((x): x is number => x !== null);
  let bar: string;
  if (fractions.length > 0) {
    const f = Math.min(1, Math.max(...fractions));
    const full = Math.round(f * width);
    bar = `${'#'.repeat(full)}${'.'.repeat(width - full)}`;
  } else {
    const at = Math.floor(p.seconds * 4) % (2 * width - 2);
    const pos = at < width ? at : 2 * width - 2 - at;
    bar = `${'.'.repeat(pos)}#${'.'.repeat(width - pos - 1)}`;
  }
  return `[${bar}] ${progressLine(p, unit).replace(/^hmmx check: /, '')}`;
}
