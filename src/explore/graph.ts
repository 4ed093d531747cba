/**
 * The explored state graph, kept only when liveness is checked: every transition as
 * (source, target, step, whether it is a progress step of its actor), and per state the actors
 * that could step, the actors that could make progress, and the GPU channels that had not
 * finished, as bit sets over world positions (so at most 31 actors).
 */
export class StateGraph {
  src = new Int32Array(1 << 12);
  dst = new Int32Array(1 << 12);
  step = new Uint16Array(1 << 12);
  progress = new Uint8Array(1 << 12);
  edges = 0;
  enabled = new Int32Array(1 << 12);
  progressing = new Int32Array(1 << 12);
  pending = new Int32Array(1 << 12);
  states = 0;

  addEdge(s: number, d: number, stepIdx: number, progress: boolean): void {
    if (this.edges === this.src.length) {
      const n = this.src.length * 2;
      this.src = grow32(this.src, n);
      this.dst = grow32(this.dst, n);
      const st = new Uint16Array(n);
      st.set(this.step);
      this.step = st;
      const pr = new Uint8Array(n);
      pr.set(this.progress);
      this.progress = pr;
    }
    this.src[this.edges] = s;
    this.dst[this.edges] = d;
    this.step[this.edges] = stepIdx;
    this.progress[this.edges] = progress ? 1 : 0;
    this.edges++;
  }

  setState(id: number, enabledActors: number, progressActors: number, pendingChannels: number): void {
    if (id >= this.enabled.length) {
      const n = Math.max(this.enabled.length * 2, id + 1);
      this.enabled = grow32(this.enabled, n);
      this.progressing = grow32(this.progressing, n);
      this.pending = grow32(this.pending, n);
    }
    this.enabled[id] = enabledActors;
    this.progressing[id] = progressActors;
    this.pending[id] = pendingChannels;
    if (id >= this.states) this.states = id + 1;
  }

  get bytes(): number {
    return (
      this.src.byteLength + this.dst.byteLength + this.step.byteLength + this.progress.byteLength +
      this.enabled.byteLength + this.progressing.byteLength + this.pending.byteLength
    );
  }
}

function grow32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Out-edges per state (compressed sparse rows), built once for the analysis. */
export interface Adjacency {
  readonly first: Int32Array;
  /** Edge indices into the graph's arrays, grouped by source. */
  readonly order: Int32Array;
}

export function adjacency(g: StateGraph): Adjacency {
  const n = g.states;
  const first = new Int32Array(n + 1);
  for (let e = 0; e < g.edges; e++) {
    const s = (g.src[e] as number) + 1;
    first[s] = (first[s] as number) + 1;
  }
  for (let i = 0; i < n; i++) first[i + 1] = (first[i + 1] as number) + (first[i] as number);
  const fill = first.slice(0, n);
  const order = new Int32Array(g.edges);
  for (let e = 0; e < g.edges; e++) {
    const s = g.src[e] as number;
    order[fill[s] as number] = e;
    fill[s] = (fill[s] as number) + 1;
  }
  return { first, order };
}
