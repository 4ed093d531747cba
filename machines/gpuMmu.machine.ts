import { assign, setup } from 'xstate';
import { callEnv, isRetOf, MM_ACTOR, postEnv, retEnv } from '../src/domain/index.js';
import type { ActorId, CallOf, Envelope, Flags, GpuAccess, GpuMmuInput, GpuMmuState, ModelEvent, Pfn } from '../src/domain/index.js';
import {
  faultAccessOf,
  faultClientOf,
  gpuAccessPermitted,
  gpuPfnClear,
  gpuPfnMap,
  gpuPteAt,
  inflightIn,
  inflightOf,
  initialGpuMmuState,
  withInflight,
  withoutInflight,
  type TranslatedAccess,
} from '../src/hw/gpuMmu.js';
import { faultBufferDrain, faultBufferFull, faultBufferPut } from '../src/hw/faultBuffer.js';

/**
 * The GPU MMU of one board (`<dev>.mmu`): translates channel accesses through the SVM page table,
 * turns failures into replayable faults, and executes nouveau's NVIF methods on the page table and
 * the fault buffer. An access that passes the check is done by DMA to host memory (a nested call to
 * `mm`, answered inside the same step).
 * @kernel drivers/gpu/drm/nouveau/nvkm/subdev/mmu/vmmgp100.c, nvkm/subdev/fault
 */

/** A channel access waiting for its DMA to host memory, answered when the DMA returns. */
export interface PendingDma {
  readonly channel: ActorId;
  readonly access: GpuAccess;
}

export interface GpuMmuContext {
  readonly self: ActorId;
  readonly out: readonly Envelope[];
  readonly g: GpuMmuState;
  readonly pending: PendingDma | null;
}

type Access = CallOf<'GPU_ACCESS'>;

function isTranslated(a: GpuAccess): a is TranslatedAccess {
  return a !== 'atomicWrite';
}

/** The access passes the hardware check: the translation it would use (the write half reuses its read's). */
function translation(ctx: GpuMmuContext, e: Access): Pfn | null {
  if (!isTranslated(e.access)) return inflightOf(ctx.g, e.from)?.pfn ?? null;
  const pte = gpuPteAt(ctx.g, e.vpn);
  return pte !== undefined && gpuAccessPermitted(pte, e.access) ? pte.pfn : null;
}

// The access goes out over PCIe (DMA to the host page); a prefetch only warms the TLB.
function performAccess(ctx: GpuMmuContext, e: Access, pfn: Pfn): Partial<GpuMmuContext> {
  const pending: PendingDma = { channel: e.from, access: e.access };
  switch (e.access) {
    case 'prefetch':
      return { out: [retEnv(e.from, ctx.self, 'GPU_ACCESS', { kind: 'done', value: 0 })] };
    case 'load':
      return { pending, out: [callEnv(MM_ACTOR, ctx.self, 'DMA_READ', { pfn, word: e.word })] };
    case 'atomicRead':
      // The read half pins the translation until the write half: PFNCLR must drain it.
      return {
        pending,
        g: withInflight(ctx.g, { channel: e.from, vpn: e.vpn, pfn }),
        out: [callEnv(MM_ACTOR, ctx.self, 'DMA_READ', { pfn, word: e.word })],
      };
    case 'store':
      return { pending, out: [callEnv(MM_ACTOR, ctx.self, 'DMA_WRITE', { pfn, word: e.word, value: e.value })] };
    case 'atomicWrite':
      return {
        pending,
        g: withoutInflight(ctx.g, e.from),
        out: [callEnv(MM_ACTOR, ctx.self, 'DMA_WRITE', { pfn, word: e.word, value: e.value })],
      };
  }
}

// The access faults: a replayable fault entry at PUT, the access stalls, the interrupt fires once per drain.
function raiseFault(ctx: GpuMmuContext, e: Access, access: TranslatedAccess): Partial<GpuMmuContext> {
  const g1 = faultBufferPut(ctx.g, {
    inst: 0,
    addr: e.vpn,
    access: faultAccessOf(access),
    gpc: 0,
    client: faultClientOf(e.from),
    channel: e.from,
  });
  const notify = !ctx.g.notifyPending;
  const g = { ...g1, stalled: [...g1.stalled, e.from], notifyPending: true };
  const out: Envelope[] = [];
  // nouveau_svm_event(): the non-stall interrupt schedules the fault work item.
  if (notify) out.push(postEnv(ctx.g.device, { type: 'NOUVEAU_SVM_EVENT', from: ctx.self }));
  out.push(retEnv(e.from, ctx.self, 'GPU_ACCESS', { kind: 'fault' }));
  return { g, out };
}

export function createGpuMmuMachine(flags: Flags) {
  return setup({
    types: { context: {} as GpuMmuContext, events: {} as ModelEvent, input: {} as GpuMmuInput },
  }).createMachine({
    id: 'gpuMmu',
    context: ({ input }) => ({ self: input.self, out: [], g: initialGpuMmuState(input.driver), pending: null }),
    initial: 'serving',
    states: {
      serving: {
        on: {
          GPU_ACCESS: [
            {
              guard: ({ context, event }) => context.pending === null && translation(context, event) !== null,
              actions: assign(({ context, event }) => performAccess(context, event, translation(context, event) as Pfn)),
            },
            {
              // No slot at PUT: the access waits (never happens with one entry per channel).
              guard: ({ context, event }) =>
                context.pending === null && isTranslated(event.access) && !faultBufferFull(context.g),
              actions: assign(({ context, event }) => raiseFault(context, event, event.access as TranslatedAccess)),
            },
          ],
          RET: {
            guard: ({ context, event }) => context.pending !== null && (isRetOf(event, 'DMA_READ') || isRetOf(event, 'DMA_WRITE')),
            actions: assign(({ context, event }) => {
              const p = context.pending as PendingDma;
              let value = 0;
              if (isRetOf(event, 'DMA_READ')) value = event.result.value;
              return { pending: null, out: [retEnv(p.channel, context.self, 'GPU_ACCESS', { kind: 'done', value })] };
            }),
          },
          // NVIF_VMM_V0_PFNMAP → nvkm_vmm_pfn_map() → gp100_vmm_pgt_pfn().
          PFNMAP: {
            guard: ({ context }) => context.pending === null,
            actions: assign(({ context, event }) => ({
              g: gpuPfnMap(context.g, event.vpn, { pfn: event.pfn, w: event.w, a: event.a, aperture: event.aperture }),
              out: [retEnv(event.from, context.self, 'PFNMAP', { ok: true })],
            })),
          },
          // NVIF_VMM_V0_PFNCLR → nvkm_vmm_pfn_unmap(): clear, then the TLB flush waits for accesses in flight.
          // Mutation gpu-clear-no-drain: returns while an atomic's write half can still use the old translation.
          PFNCLR: {
            guard: ({ context, event }) =>
              context.pending === null && (flags.gpuClearNoDrain || inflightIn(context.g.inflight, event.start, event.end).length === 0),
            actions: assign(({ context, event }) => ({
              g: gpuPfnClear(context.g, event.start, event.end),
              out: [retEnv(event.from, context.self, 'PFNCLR', { ok: true })],
            })),
          },
          // nouveau_svm_fault(): read GET..PUT into the fault cache, write GET back.
          FAULT_BUFFER_DRAIN: {
            guard: ({ context }) => context.pending === null,
            actions: assign(({ context, event }) => {
              const d = faultBufferDrain(context.g);
              return { g: d.g, out: [retEnv(event.from, context.self, 'FAULT_BUFFER_DRAIN', { entries: d.entries })] };
            }),
          },
          // gp100_vmm_fault_replay(): REPLAY_GLOBAL, every stalled access is retried.
          FAULT_REPLAY: {
            guard: ({ context }) => context.pending === null,
            actions: assign(({ context, event }) => ({
              g: { ...context.g, stalled: [] },
              out: [
                ...context.g.stalled.map((ch) => postEnv(ch, { type: 'GPU_REPLAY', from: context.self })),
                retEnv(event.from, context.self, 'FAULT_REPLAY', { ok: true }),
              ],
            })),
          },
          // gp100_vmm_fault_cancel(): CANCEL_TARGETED kills the faulting channel (recovery, GPU SIGSEGV).
          FAULT_CANCEL: {
            guard: ({ context }) => context.pending === null,
            actions: assign(({ context, event }) => {
              const stalled = context.g.stalled.includes(event.channel);
              return {
                g: stalled ? { ...context.g, stalled: context.g.stalled.filter((c) => c !== event.channel) } : context.g,
                out: [
                  ...(stalled ? [postEnv(event.channel, { type: 'GPU_CANCEL', from: context.self })] : []),
                  retEnv(event.from, context.self, 'FAULT_CANCEL', { ok: true }),
                ],
              };
            }),
          },
        },
      },
    },
  });
}
