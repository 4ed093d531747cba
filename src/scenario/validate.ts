import { childPath, ScenarioError } from './errors.js';
import {
  CPU_OPS,
  DEFAULT_VARIANT,
  GPU_OPS,
  ID_PATTERN,
  KERNEL_OPS,
  tryParseAt,
  type Check,
  type CpuOp,
  type CpuThread,
  type Device,
  type DmirrorOp,
  type Expect,
  type FinalWord,
  type GpuChannel,
  type GpuExpect,
  type GpuOp,
  type KernelOp,
  type Mapping,
  type OpExpect,
  type Populate,
  type Prot,
  type Region,
  type Scenario,
} from './types.js';

/** The variants every build knows; callers pass the full catalogue (contract.md, Variants). */
export const DEFAULT_KNOWN_VARIANTS: readonly string[] = Object.freeze(['linux-6.15', 'linux-5.14']);

/** The mutations the contract requires; callers pass the full catalogue. */
export const DEFAULT_KNOWN_MUTATIONS: readonly string[] = Object.freeze([
  'restore-before-invalidate',
  'driver-ignores-invalidate',
  'driver-skips-seq-retry',
  'driver-no-owner-filter',
  'fault-skips-pte-same',
  'gpu-clear-no-drain',
]);

/**
 * Bounds that keep exhaustive exploration tractable: behaviour per page is independent
 * (domain.md §6), so a few pages and words show every interleaving a large buffer would.
 */
export const SCENARIO_LIMITS = Object.freeze({
  devices: 4,
  pagesPerRegion: 8,
  wordsPerPage: 16,
  opsPerProgram: 64,
  /** Each fork doubles the processes running the rest of the program. */
  forksPerProgram: 3,
  retryBound: 64,
});

export const INVARIANT_ID_PATTERN = /^(S\d+|deadlock|op-expectation|gpu-progress)$/;
const RET_PATTERN = /^(0|-E[A-Z][A-Z0-9]*)$/;

const TOP_KEYS = ['name', 'description', 'variant', 'mutations', 'devices', 'regions', 'cpu', 'gpu', 'kernel', 'check', 'expect'] as const;
const DRIVERS: readonly Device['driver'][] = ['nouveau', 'dmirror'];
const MAPPINGS: readonly Mapping[] = ['private-anon', 'shared'];
const PROTS: readonly Prot[] = ['rw', 'r'];
const POPULATES: readonly Populate[] = ['write', 'read', 'none'];
const VERDICTS: readonly NonNullable<Expect['verdict']>[] = ['pass', 'violation'];

/** Ops whose `expect.value` has a meaning: the value the load reads. */
const CPU_READS: ReadonlySet<CpuOp['op']> = new Set(['load']);
/** Ops that return to user space with an errno, the only ones `expect.ret` applies to. */
const CPU_SYSCALLS: ReadonlySet<CpuOp['op']> = new Set([
  'fork', 'mprotect', 'munmap', 'madviseDontneed', 'clearRefs',
  'dmirrorExclusive', 'dmirrorCheckExclusive', 'dmirrorRead', 'dmirrorWrite',
]);

type Json = Readonly<Record<string, unknown>>;

/**
 * Checks a parsed scenario document and returns it with every default filled in and deeply
 * frozen. Throws the first problem found, in document order, as a `ScenarioError` whose path
 * points at the offending value. Pure: no I/O.
 */
export function validateScenario(
  raw: unknown,
  file: string,
  knownVariants: readonly string[] = DEFAULT_KNOWN_VARIANTS,
  knownMutations: readonly string[] = DEFAULT_KNOWN_MUTATIONS,
): Scenario {
  return deepFreeze(new Validator(file, knownVariants, knownMutations).scenario(raw));
}

class Validator {
  /** Every id in one namespace: ids become actor ids in step ids, so they must not collide. */
  private readonly ids = new Map<string, string>();
  private readonly regions = new Map<string, Region>();
  private readonly devices = new Map<string, Device>();

  constructor(
    private readonly file: string,
    private readonly knownVariants: readonly string[],
    private readonly knownMutations: readonly string[],
  ) {}

  scenario(raw: unknown): Scenario {
    const o = this.object(raw, '$', 'a scenario object');
    this.keys(o, '$', TOP_KEYS, ['name', 'description', 'devices', 'regions', 'cpu', 'gpu'], 'a scenario');
    const name = this.string(o.name, '$.name');
    if (name.trim() === '') this.fail('$.name', 'must not be empty');
    const description = this.string(o.description, '$.description');
    const variant = o.variant === undefined ? DEFAULT_VARIANT : this.oneOf(o.variant, '$.variant', this.knownVariants, 'variant');
    const mutations = o.mutations === undefined ? [] : this.mutations(o.mutations, '$.mutations');
    const devices = this.array(o.devices, '$.devices', 0, SCENARIO_LIMITS.devices, 'devices').map((d, i) => this.device(d, `$.devices[${i}]`));
    const regions = this.array(o.regions, '$.regions', 1, Infinity, 'regions').map((r, i) => this.region(r, `$.regions[${i}]`));
    const cpu = this.array(o.cpu, '$.cpu', 0, Infinity, 'CPU threads').map((t, i) => this.cpuThread(t, `$.cpu[${i}]`));
    const gpu = this.array(o.gpu, '$.gpu', 0, Infinity, 'GPU channels').map((c, i) => this.gpuChannel(c, `$.gpu[${i}]`));
    const kernel = o.kernel === undefined
      ? []
      : this.array(o.kernel, '$.kernel', 0, SCENARIO_LIMITS.opsPerProgram, 'kernel ops').map((k, i) => this.kernelOp(k, `$.kernel[${i}]`));
    const check = o.check === undefined ? { invariants: 'all' as const, liveness: false } : this.check(o.check, '$.check');
    const expect = o.expect === undefined ? undefined : this.expect(o.expect, '$.expect');
    return {
      name, description, variant, mutations, devices, regions, cpu, gpu, kernel, check,
      ...(expect === undefined ? {} : { expect }),
    };
  }

  private mutations(raw: unknown, path: string): readonly string[] {
    const seen = new Set<string>();
    return this.array(raw, path, 0, Infinity, 'mutations').map((m, i) => {
      const p = `${path}[${i}]`;
      const id = this.oneOf(m, p, this.knownMutations, 'mutation');
      if (seen.has(id)) this.fail(p, `duplicate mutation ${JSON.stringify(id)}`);
      seen.add(id);
      return id;
    });
  }

  private device(raw: unknown, path: string): Device {
    const o = this.object(raw, path, 'a device object');
    this.keys(o, path, ['id', 'driver'], ['id'], 'a device');
    const id = this.id(o.id, childPath(path, 'id'));
    const driver = o.driver === undefined ? 'nouveau' : this.oneOf(o.driver, childPath(path, 'driver'), DRIVERS, 'driver');
    const device: Device = { id, driver };
    this.devices.set(id, device);
    return device;
  }

  private region(raw: unknown, path: string): Region {
    const o = this.object(raw, path, 'a region object');
    this.keys(o, path, ['id', 'pages', 'wordsPerPage', 'mapping', 'prot', 'populate', 'init', 'thp', 'hugetlb'], ['id', 'pages'], 'a region');
    const id = this.id(o.id, childPath(path, 'id'));
    const pages = this.count(o.pages, childPath(path, 'pages'), SCENARIO_LIMITS.pagesPerRegion, 'pages per region');
    const wordsPerPage = o.wordsPerPage === undefined ? 1 : this.count(o.wordsPerPage, childPath(path, 'wordsPerPage'), SCENARIO_LIMITS.wordsPerPage, 'words per page');
    const mapping = o.mapping === undefined ? 'private-anon' : this.oneOf(o.mapping, childPath(path, 'mapping'), MAPPINGS, 'mapping');
    const prot = o.prot === undefined ? 'rw' : this.oneOf(o.prot, childPath(path, 'prot'), PROTS, 'prot');
    const populate = o.populate === undefined ? 'write' : this.oneOf(o.populate, childPath(path, 'populate'), POPULATES, 'populate');
    const words = pages * wordsPerPage;
    let init: readonly number[];
    if (o.init === undefined) {
      init = new Array<number>(words).fill(0);
    } else {
      const initPath = childPath(path, 'init');
      const values = this.array(o.init, initPath, 0, Infinity, 'init values');
      if (values.length !== words) {
        this.fail(initPath, `has ${values.length} values but the region has ${words} words (pages ${pages} × wordsPerPage ${wordsPerPage})`);
      }
      init = values.map((v, i) => this.int(v, `${initPath}[${i}]`));
      // Anonymous memory that was never written reads as zero (no PTE, or the shared zero page).
      const nonZero = init.findIndex((v) => v !== 0);
      if (populate !== 'write' && nonZero >= 0) {
        this.fail(`${initPath}[${nonZero}]`, `must be 0: populate ${JSON.stringify(populate)} leaves the page unwritten, so it reads as zero; use populate "write"`);
      }
    }
    const thp = o.thp === undefined ? undefined : this.boolean(o.thp, childPath(path, 'thp'));
    const hugetlb = o.hugetlb === undefined ? undefined : this.boolean(o.hugetlb, childPath(path, 'hugetlb'));
    if (thp === true && hugetlb === true) {
      this.fail(childPath(path, 'hugetlb'), 'a region is backed either by a THP or by hugetlb, not both');
    }
    const region: Region = {
      id, pages, wordsPerPage, mapping, prot, populate, init,
      ...(thp === undefined ? {} : { thp }),
      ...(hugetlb === undefined ? {} : { hugetlb }),
    };
    this.regions.set(id, region);
    return region;
  }

  private cpuThread(raw: unknown, path: string): CpuThread {
    const o = this.object(raw, path, 'a CPU thread object');
    this.keys(o, path, ['id', 'program'], ['id', 'program'], 'a CPU thread');
    const id = this.id(o.id, childPath(path, 'id'));
    const programPath = childPath(path, 'program');
    const program = this.array(o.program, programPath, 0, SCENARIO_LIMITS.opsPerProgram, 'ops per program')
      .map((op, i) => this.cpuOp(op, `${programPath}[${i}]`));
    const exitAt = program.findIndex((op) => op.op === 'exit');
    if (exitAt >= 0 && exitAt < program.length - 1) {
      this.fail(`${programPath}[${exitAt + 1}]`, `unreachable: the thread exits at ${programPath}[${exitAt}]`);
    }
    const forks = program.filter((op) => op.op === 'fork').length;
    if (forks > SCENARIO_LIMITS.forksPerProgram) {
      this.fail(programPath, `has ${forks} forks; at most ${SCENARIO_LIMITS.forksPerProgram} (each fork doubles the processes that run the rest of the program)`);
    }
    return { id, program };
  }

  private cpuOp(raw: unknown, path: string): CpuOp {
    const o = this.object(raw, path, 'an op object');
    const op = this.opName(o, path, CPU_OPS, 'CPU');
    const at = (): string => this.at(o.at, childPath(path, 'at'));
    const value = (): number => this.int(o.value, childPath(path, 'value'));
    const region = (): string => this.regionRef(o.region, childPath(path, 'region'));
    const fields = (...names: string[]): void => this.keys(o, path, ['op', ...names, 'expect'], names, `op ${op}`);
    let result: CpuOp;
    switch (op) {
      case 'load':
        fields('at');
        result = { op, at: at() };
        break;
      case 'store':
      case 'add':
      case 'atomicAdd':
        fields('at', 'value');
        result = { op, at: at(), value: value() };
        break;
      case 'fork':
      case 'clearRefs':
      case 'exit':
        fields();
        result = { op };
        break;
      case 'mprotect':
        fields('region', 'prot');
        result = { op, region: region(), prot: this.oneOf(o.prot, childPath(path, 'prot'), PROTS, 'prot') };
        break;
      case 'munmap':
      case 'madviseDontneed':
        fields('region');
        result = { op, region: region() };
        break;
      case 'dmirrorExclusive':
      case 'dmirrorCheckExclusive':
      case 'dmirrorRead':
      case 'dmirrorWrite':
        result = this.dmirrorOp(o, op, path);
        break;
    }
    const expect = o.expect === undefined ? undefined : this.cpuExpect(o.expect, childPath(path, 'expect'), op);
    return expect === undefined ? result : { ...result, expect };
  }

  private dmirrorOp(o: Json, op: DmirrorOp['op'], path: string): DmirrorOp {
    this.keys(o, path, ['op', 'region', 'device', 'expect'], ['region'], `op ${op}`);
    const mirrors = [...this.devices.values()].filter((d) => d.driver === 'dmirror').map((d) => d.id);
    const first = mirrors[0];
    if (first === undefined) {
      this.fail(childPath(path, 'op'), `${op} is an ioctl of the test driver lib/test_hmm.c, but no device has driver "dmirror"; add one to $.devices, e.g. {"id": "dmirror0", "driver": "dmirror"}`);
    }
    const region = this.regionRef(o.region, childPath(path, 'region'));
    let device = first;
    if (o.device !== undefined) {
      const devicePath = childPath(path, 'device');
      device = this.string(o.device, devicePath);
      const known = this.devices.get(device);
      if (known === undefined) this.fail(devicePath, `unknown device ${JSON.stringify(device)}${suggest(device, mirrors)} (dmirror devices: ${mirrors.join(', ')})`);
      if (known.driver !== 'dmirror') this.fail(devicePath, `device ${JSON.stringify(device)} is a ${known.driver} device; ${op} needs a dmirror device (${mirrors.join(', ')})`);
    }
    return { op, region, device };
  }

  private cpuExpect(raw: unknown, path: string, op: CpuOp['op']): OpExpect {
    const o = this.object(raw, path, 'an expect object such as {"value": 1} or {"ret": "0"}');
    this.keys(o, path, ['value', 'ret'], [], 'an op expectation');
    if (o.value === undefined && o.ret === undefined) this.fail(path, 'expects nothing: give "value" (for a load) or "ret" (for a syscall or ioctl)');
    let value: number | undefined;
    let ret: string | undefined;
    if (o.value !== undefined) {
      const p = childPath(path, 'value');
      if (!CPU_READS.has(op)) this.fail(p, `${op} reads no value to compare; "value" is for ${[...CPU_READS].join(', ')}`);
      value = this.int(o.value, p);
    }
    if (o.ret !== undefined) {
      const p = childPath(path, 'ret');
      if (!CPU_SYSCALLS.has(op)) this.fail(p, `${op} is not a syscall or ioctl, so it returns nothing to compare; "ret" is for ${[...CPU_SYSCALLS].join(', ')}`);
      ret = this.string(o.ret, p);
      if (!RET_PATTERN.test(ret)) this.fail(p, `expected "0" or a negative errno name such as "-EPERM", got ${JSON.stringify(ret)}`);
    }
    return { ...(value === undefined ? {} : { value }), ...(ret === undefined ? {} : { ret }) };
  }

  private gpuChannel(raw: unknown, path: string): GpuChannel {
    const o = this.object(raw, path, 'a GPU channel object');
    this.keys(o, path, ['id', 'device', 'program'], ['id', 'device', 'program'], 'a GPU channel');
    const id = this.id(o.id, childPath(path, 'id'));
    const devicePath = childPath(path, 'device');
    const device = this.string(o.device, devicePath);
    const gpus = [...this.devices.values()].filter((d) => d.driver === 'nouveau').map((d) => d.id);
    const known = this.devices.get(device);
    if (known === undefined) {
      this.fail(devicePath, `unknown device ${JSON.stringify(device)}${suggest(device, gpus)} (nouveau devices: ${gpus.length === 0 ? 'none' : gpus.join(', ')})`);
    }
    if (known.driver !== 'nouveau') {
      this.fail(devicePath, `device ${JSON.stringify(device)} is a dmirror test device, driven by dmirror* ioctls from a CPU thread; a GPU channel needs a nouveau device`);
    }
    const programPath = childPath(path, 'program');
    const program = this.array(o.program, programPath, 0, SCENARIO_LIMITS.opsPerProgram, 'ops per program')
      .map((op, i) => this.gpuOp(op, `${programPath}[${i}]`));
    return { id, device, program };
  }

  private gpuOp(raw: unknown, path: string): GpuOp {
    const o = this.object(raw, path, 'an op object');
    const op = this.opName(o, path, GPU_OPS, 'GPU');
    const at = (): string => this.at(o.at, childPath(path, 'at'));
    const value = (): number => this.int(o.value, childPath(path, 'value'));
    switch (op) {
      case 'load': {
        this.keys(o, path, ['op', 'at', 'expect'], ['at'], `GPU op ${op}`);
        const result = { op, at: at() };
        if (o.expect === undefined) return result;
        const expect = this.gpuExpect(o.expect, childPath(path, 'expect'));
        return { ...result, expect };
      }
      case 'store':
      case 'atomicAdd':
        this.keys(o, path, ['op', 'at', 'value'], ['at', 'value'], `GPU op ${op}`);
        return { op, at: at(), value: value() };
      case 'atomicCas': {
        this.keys(o, path, ['op', 'at', 'expect', 'value'], ['at', 'expect', 'value'], `GPU op ${op}`);
        const resultAt = at();
        const expectPath = childPath(path, 'expect');
        if (typeof o.expect === 'object' && o.expect !== null) {
          this.fail(expectPath, 'for atomicCas, "expect" is the compare operand (an integer), not an expectation object');
        }
        return { op, at: resultAt, expect: this.int(o.expect, expectPath), value: value() };
      }
      case 'prefetch':
        this.keys(o, path, ['op', 'at'], ['at'], `GPU op ${op}`);
        return { op, at: at() };
    }
  }

  private gpuExpect(raw: unknown, path: string): GpuExpect {
    const o = this.object(raw, path, 'an expect object such as {"value": 1}');
    this.keys(o, path, ['value'], ['value'], 'a GPU load expectation');
    return { value: this.int(o.value, childPath(path, 'value')) };
  }

  private kernelOp(raw: unknown, path: string): KernelOp {
    const o = this.object(raw, path, 'a kernel op object');
    const op = this.opName(o, path, KERNEL_OPS, 'kernel');
    this.keys(o, path, ['op', 'region'], ['region'], `kernel op ${op}`);
    return { op, region: this.regionRef(o.region, childPath(path, 'region')) };
  }

  private check(raw: unknown, path: string): Check {
    const o = this.object(raw, path, 'a check object');
    this.keys(o, path, ['invariants', 'liveness', 'retryBound'], [], 'check');
    const invPath = childPath(path, 'invariants');
    let invariants: Check['invariants'] = 'all';
    if (o.invariants !== undefined && o.invariants !== 'all') {
      if (typeof o.invariants === 'string') this.fail(invPath, `expected "all" or a list of invariant ids, got ${describe(o.invariants)}`);
      const seen = new Set<string>();
      invariants = this.array(o.invariants, invPath, 0, Infinity, 'invariants').map((v, i) => {
        const id = this.invariantId(v, `${invPath}[${i}]`);
        if (seen.has(id)) this.fail(`${invPath}[${i}]`, `duplicate invariant ${JSON.stringify(id)}`);
        seen.add(id);
        return id;
      });
    }
    const liveness = o.liveness === undefined ? false : this.boolean(o.liveness, childPath(path, 'liveness'));
    if (o.retryBound === undefined) return { invariants, liveness };
    const retryBound = this.count(o.retryBound, childPath(path, 'retryBound'), SCENARIO_LIMITS.retryBound, 'retries');
    return { invariants, liveness, retryBound };
  }

  private expect(raw: unknown, path: string): Expect {
    const o = this.object(raw, path, 'an expect object');
    this.keys(o, path, ['verdict', 'invariant', 'final'], [], 'expect');
    const verdict = o.verdict === undefined ? undefined : this.oneOf(o.verdict, childPath(path, 'verdict'), VERDICTS, 'verdict');
    const invariant = o.invariant === undefined ? undefined : this.invariantId(o.invariant, childPath(path, 'invariant'));
    if (invariant !== undefined && verdict === 'pass') {
      this.fail(childPath(path, 'invariant'), 'names an invariant expected to fail, but the expected verdict is "pass"');
    }
    let final: readonly FinalWord[] | undefined;
    if (o.final !== undefined) {
      const finalPath = childPath(path, 'final');
      const seen = new Map<string, number>();
      final = this.array(o.final, finalPath, 0, Infinity, 'final words').map((f, i) => {
        const p = `${finalPath}[${i}]`;
        const fo = this.object(f, p, 'an object such as {"at": "buf:0", "equals": 1}');
        this.keys(fo, p, ['at', 'equals'], ['at', 'equals'], 'a final word');
        const at = this.at(fo.at, childPath(p, 'at'));
        const earlier = seen.get(at);
        if (earlier !== undefined) this.fail(childPath(p, 'at'), `${at} is already expected at ${finalPath}[${earlier}]`);
        seen.set(at, i);
        return { at, equals: this.int(fo.equals, childPath(p, 'equals')) };
      });
    }
    return {
      ...(verdict === undefined ? {} : { verdict }),
      ...(invariant === undefined ? {} : { invariant }),
      ...(final === undefined ? {} : { final }),
    };
  }

  // --- references -------------------------------------------------------------------------

  private id(raw: unknown, path: string): string {
    const id = this.string(raw, path);
    if (!ID_PATTERN.test(id)) {
      this.fail(path, `${JSON.stringify(id)} is not a valid id: a letter, then up to 31 letters, digits, "_" or "-"`);
    }
    const earlier = this.ids.get(id);
    if (earlier !== undefined) this.fail(path, `duplicate id ${JSON.stringify(id)} (already used at ${earlier}); ids must be unique across devices, regions, CPU threads and GPU channels`);
    this.ids.set(id, path);
    return id;
  }

  private regionRef(raw: unknown, path: string): string {
    const id = this.string(raw, path);
    if (!this.regions.has(id)) this.fail(path, this.unknownRegion(id));
    return id;
  }

  private unknownRegion(id: string): string {
    const known = [...this.regions.keys()];
    return `unknown region ${JSON.stringify(id)}${suggest(id, known)} (regions: ${known.join(', ')})`;
  }

  /** A word address `region:word`, checked against the region's size. */
  private at(raw: unknown, path: string): string {
    const at = this.string(raw, path);
    const ref = tryParseAt(at);
    if (ref === undefined) this.fail(path, `malformed address ${JSON.stringify(at)}: expected "region:word", e.g. "buf:0"`);
    const region = this.regions.get(ref.region);
    if (region === undefined) this.fail(path, this.unknownRegion(ref.region));
    const words = region.pages * region.wordsPerPage;
    if (ref.word >= words) {
      this.fail(path, `word ${ref.word} is out of range: region ${JSON.stringify(region.id)} has ${words} words (0..${words - 1}; pages ${region.pages} × wordsPerPage ${region.wordsPerPage})`);
    }
    return at;
  }

  private invariantId(raw: unknown, path: string): string {
    const id = this.string(raw, path);
    if (!INVARIANT_ID_PATTERN.test(id)) {
      this.fail(path, `unknown invariant ${JSON.stringify(id)}: expected S<n> (S1, S2, ...), deadlock, op-expectation or gpu-progress`);
    }
    return id;
  }

  // --- shapes -----------------------------------------------------------------------------

  private opName<T extends string>(o: Json, path: string, known: readonly T[], kind: string): T {
    const p = childPath(path, 'op');
    if (o.op === undefined) this.fail(p, `missing; every ${kind} op names its kind (known: ${known.join(', ')})`);
    const name = this.string(o.op, p);
    if (!includes(known, name)) this.fail(p, `unknown ${kind} op ${JSON.stringify(name)}${suggest(name, known)} (known: ${known.join(', ')})`);
    return name;
  }

  /** Unknown keys first: a misspelt key is a better report than the "missing" it causes. */
  private keys(o: Json, path: string, allowed: readonly string[], required: readonly string[], what: string): void {
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) {
        this.fail(childPath(path, key), `unknown key ${JSON.stringify(key)}${suggest(key, allowed)} in ${what} (allowed: ${allowed.join(', ')})`);
      }
    }
    for (const key of required) {
      if (o[key] === undefined) this.fail(childPath(path, key), `missing; ${what} requires ${required.join(', ')}`);
    }
  }

  private object(raw: unknown, path: string, what: string): Json {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) this.fail(path, `expected ${what}, got ${describe(raw)}`);
    return raw as Json;
  }

  private array(raw: unknown, path: string, min: number, max: number, what: string): readonly unknown[] {
    if (!Array.isArray(raw)) this.fail(path, `expected an array, got ${describe(raw)}`);
    const items: readonly unknown[] = raw;
    if (items.length < min) this.fail(path, `needs at least ${min} ${what}, got ${items.length}`);
    if (items.length > max) this.fail(path, `has ${items.length} ${what}; at most ${max} to keep exploration tractable`);
    return items;
  }

  private string(raw: unknown, path: string): string {
    if (typeof raw !== 'string') this.fail(path, `expected a string, got ${describe(raw)}`);
    return raw;
  }

  private boolean(raw: unknown, path: string): boolean {
    if (typeof raw !== 'boolean') this.fail(path, `expected true or false, got ${describe(raw)}`);
    return raw;
  }

  private int(raw: unknown, path: string): number {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) this.fail(path, `expected an integer, got ${describe(raw)}`);
    return raw;
  }

  /** A positive integer up to an exploration limit. */
  private count(raw: unknown, path: string, max: number, what: string): number {
    const n = this.int(raw, path);
    if (n < 1) this.fail(path, `must be at least 1, got ${n}`);
    if (n > max) this.fail(path, `${n} is more than ${max} ${what}, the limit that keeps exploration tractable`);
    return n;
  }

  private oneOf<T extends string>(raw: unknown, path: string, known: readonly T[], what: string): T {
    const s = this.string(raw, path);
    if (!includes(known, s)) this.fail(path, `unknown ${what} ${JSON.stringify(s)}${suggest(s, known)} (known: ${known.join(', ')})`);
    return s;
  }

  private fail(path: string, detail: string): never {
    throw new ScenarioError(this.file, path, detail);
  }
}

function includes<T extends string>(known: readonly T[], s: string): s is T {
  return (known as readonly string[]).includes(s);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number': return `the number ${v}`;
    case 'boolean': return `${v}`;
    case 'object': return 'an object';
    default: return typeof v;
  }
}

/** ` (did you mean "x"?)` for a near miss, so a typo is one edit away from fixed. */
function suggest(s: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === s.toLowerCase() ? 0 : editDistance(s, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(s.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Scenarios are shared by every run of a process (CLI, viewer), so nothing may change them. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
