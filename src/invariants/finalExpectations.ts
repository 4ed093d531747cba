import type { Vpn, World } from '../domain/index.js';
import { readWord } from './pages.js';
import type { Violation } from './types.js';
import { kernelState } from './view.js';

export interface FinalExpectation {
  /** The scenario's `region:word`, for the message. */
  readonly at: string;
  readonly vpn: Vpn;
  readonly word: number;
  readonly equals: number;
}

/**
 * The scenario's `expect.final`: each word's value in mm 0 at the end of a run, read through mm 0's
 * page table as the process would read it. A `none` PTE reads as 0: anonymous memory that was never
 * touched, or was zapped, is zero-filled on the next touch (do_anonymous_page).
 */
export function checkFinalExpectations(scenarioFinal: readonly FinalExpectation[], world: World): Violation | null {
  if (scenarioFinal.length === 0) return null;
  const k = kernelState(world);
  const bad: string[] = [];
  for (const e of scenarioFinal) {
    const r = readWord(k, 0, e.vpn, e.word);
    switch (r.kind) {
      case 'value':
        if (r.value !== e.equals) bad.push(`${e.at} = ${r.value}, expected ${e.equals}`);
        break;
      case 'none':
        if (e.equals !== 0) bad.push(`${e.at} = 0 (not mapped), expected ${e.equals}`);
        break;
      case 'unreadable':
        bad.push(`${e.at} cannot be read (${r.why}), expected ${e.equals}`);
        break;
    }
  }
  return bad.length === 0 ? null : { invariant: 'expect-final', message: bad.join('; ') };
}
