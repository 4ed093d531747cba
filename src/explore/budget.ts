import type { ExploreOptions, Limit, Progress } from './types.js';

/**
 * Limits and progress of one exploration. The clock is the caller's (the CLI passes one; the
 * explorer never reads time itself), looked at every few hundred transitions.
 */
export class Budget {
  private readonly clock: (() => number) | undefined;
  private readonly started: number;
  private lastReport: number;
  private ticks = 0;
  limit: Limit | undefined;

  constructor(private readonly opts: ExploreOptions) {
    this.clock = opts.clock;
    this.started = this.clock?.() ?? 0;
    this.lastReport = this.started;
  }

  get seconds(): number {
    return this.clock === undefined ? 0 : (this.clock() - this.started) / 1000;
  }

  /** Called once per transition (every call with `always`); true when a time limit ran out. */
  tick(progress: () => Progress, always = false): boolean {
    if (((++this.ticks & 255) !== 0 && !always) || this.clock === undefined) return false;
    const now = this.clock();
    if (this.opts.onProgress !== undefined && now - this.lastReport >= 250) {
      this.lastReport = now;
      this.opts.onProgress(progress());
    }
    if (this.opts.maxSeconds !== undefined && now - this.started >= this.opts.maxSeconds * 1000) {
      this.limit = 'max-seconds';
      return true;
    }
    return false;
  }

  /** True (and the limit recorded) when `count` states or executions exceed `--max-states`. */
  overStates(count: number): boolean {
    if (this.opts.maxStates !== undefined && count > this.opts.maxStates) {
      this.limit = 'max-states';
      return true;
    }
    return false;
  }

  /** Whether a state at `depth` may be expanded. */
  mayExpand(depth: number): boolean {
    return this.opts.maxDepth === undefined || depth < this.opts.maxDepth;
  }

  /** A state at the depth bound had enabled steps: the exploration is not complete. */
  cutAtDepth(): void {
    this.limit ??= 'max-depth';
  }

  final(progress: Progress): void {
    this.opts.onProgress?.(progress);
  }
}
