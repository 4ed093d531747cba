import { assign, setup } from 'xstate';
import { callEnv, isRetOf } from '../src/domain/index.js';
import type { ActorId, Envelope, ExpectFailure, Flags, GpuAccess, GpuChannelInput, GpuOp, ModelEvent } from '../src/domain/index.js';

/**
 * A GPU channel (a warp running a shader over SVM memory). Each op is one access through the GPU
 * MMU; an atomic on host memory is emulated as a read step then a write step, atomic only if nothing
 * else touches the page in between (domain.md §1.7). A faulted access stalls until the driver
 * replays (the same access is retried) or cancels (the channel is killed).
 */
export interface GpuChannelContext {
  readonly self: ActorId;
  readonly out: readonly Envelope[];
  readonly mmu: ActorId;
  readonly program: readonly GpuOp[];
  /** Ops before `pc` have completed. */
  readonly pc: number;
  readonly expectFailures: readonly ExpectFailure[];
  /** The value the read half of the current atomic returned; null before it (or for non-atomics). */
  readonly pending: { readonly old: number } | null;
}

/** The access the channel issues next for op `pc`. */
export function nextAccess(ctx: GpuChannelContext): { readonly access: GpuAccess; readonly value: number } | null {
  const op = ctx.program[ctx.pc];
  if (op === undefined) return null;
  switch (op.op) {
    case 'load':
      return { access: 'load', value: 0 };
    case 'prefetch':
      return { access: 'prefetch', value: 0 };
    case 'store':
      return { access: 'store', value: op.value };
    case 'atomicAdd':
      return ctx.pending === null ? { access: 'atomicRead', value: 0 } : { access: 'atomicWrite', value: ctx.pending.old + op.value };
    case 'atomicCas':
      // The CAS result is computed from the value read; the write half always runs (it releases the translation).
      return ctx.pending === null
        ? { access: 'atomicRead', value: 0 }
        : { access: 'atomicWrite', value: ctx.pending.old === op.expectOld ? op.value : ctx.pending.old };
  }
}

function issue(ctx: GpuChannelContext): readonly Envelope[] {
  const op = ctx.program[ctx.pc];
  const a = nextAccess(ctx);
  if (op === undefined || a === null) return [];
  return [callEnv(ctx.mmu, ctx.self, 'GPU_ACCESS', { vpn: op.vpn, word: op.word, access: a.access, value: a.value })];
}

/** The access completed with `value`: advance (or, after an atomic's read half, remember the old value). */
function complete(ctx: GpuChannelContext, value: number): Partial<GpuChannelContext> {
  const op = ctx.program[ctx.pc];
  if (op === undefined) return { out: [] };
  switch (op.op) {
    case 'atomicAdd':
    case 'atomicCas':
      if (ctx.pending === null) return { pending: { old: value }, out: [] };
      return { pending: null, pc: ctx.pc + 1, out: [] };
    case 'load': {
      const want = op.expect?.value;
      const failures =
        want !== undefined && want !== value
          ? [...ctx.expectFailures, { pc: ctx.pc, op: 'load', expected: String(want), got: String(value) }]
          : ctx.expectFailures;
      return { pc: ctx.pc + 1, expectFailures: failures, out: [] };
    }
    case 'store':
    case 'prefetch':
      return { pc: ctx.pc + 1, out: [] };
  }
}

export function createGpuChannelMachine(_flags: Flags) {
  return setup({
    types: { context: {} as GpuChannelContext, events: {} as ModelEvent, input: {} as GpuChannelInput },
  }).createMachine({
    id: 'gpuChannel',
    context: ({ input }) => ({
      self: input.self,
      out: [],
      mmu: input.mmu,
      program: input.program,
      pc: 0,
      expectFailures: [],
      pending: null,
    }),
    initial: 'issuing',
    states: {
      issuing: {
        always: { guard: ({ context }) => context.pc >= context.program.length, target: 'done' },
        on: {
          STEP: { actions: assign(({ context }) => ({ out: issue(context) })) },
          RET: [
            {
              guard: ({ event }) => isRetOf(event, 'GPU_ACCESS') && event.result.kind === 'fault',
              target: 'stalled',
              actions: assign({ out: [] }),
            },
            {
              guard: ({ event }) => isRetOf(event, 'GPU_ACCESS') && event.result.kind === 'done',
              actions: assign(({ context, event }) =>
                complete(context, isRetOf(event, 'GPU_ACCESS') && event.result.kind === 'done' ? event.result.value : 0)),
            },
          ],
          // A replay for a channel that is not stalled finds nothing to retry.
          GPU_REPLAY: { actions: assign({ out: [] }) },
        },
      },
      // The access sits in the GPU's replayable-fault stall until the fault is replayed or cancelled.
      stalled: {
        on: {
          // REPLAY_GLOBAL: the stalled access is retried as it was (one step: the retry is the access).
          GPU_REPLAY: { target: 'issuing', actions: assign(({ context }) => ({ out: issue(context) })) },
          // CANCEL_TARGETED: engine recovery kills the channel (GPU SIGSEGV).
          GPU_CANCEL: { target: 'killed', actions: assign({ out: [] }) },
        },
      },
      done: { type: 'final' },
      killed: { type: 'final' },
    },
  });
}
