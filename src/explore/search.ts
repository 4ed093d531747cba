import { Budget } from './budget.js';
import { StepIds } from './expand.js';
import { Fingerprinter } from './fingerprint.js';
import { StateGraph } from './graph.js';
import { channelPositions } from './liveness.js';
import { StateStore } from './store.js';
import { normaliser, type ExploreTarget } from './target.js';
import type { ExploreOptions } from './types.js';

/** What every stateful search (bfs, dfs) keeps: fingerprints, the visited store, bounds, the graph for liveness. */
export interface Search {
  readonly fp: Fingerprinter;
  readonly store: StateStore;
  readonly ids: StepIds;
  readonly vec: Uint32Array;
  readonly budget: Budget;
  readonly channels: ReturnType<typeof channelPositions>;
  readonly graph: StateGraph | null;
  readonly norm: ReturnType<typeof normaliser>;
}

export function startSearch(target: ExploreTarget, opts: ExploreOptions): Search {
  const fp = new Fingerprinter(target.steppers);
  return {
    fp,
    store: new StateStore(fp.width),
    ids: new StepIds(target.steppers.index),
    vec: new Uint32Array(fp.width),
    budget: new Budget(opts),
    channels: channelPositions(target.kinds),
    graph: target.liveness ? new StateGraph() : null,
    norm: normaliser(target),
  };
}
