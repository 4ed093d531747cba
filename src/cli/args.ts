/**
 * Command-line parsing, declarative per command so that usage text, help and errors come from
 * one description. Flags are `--name value` or `--name=value`; `--` ends the flags.
 */

export type FlagKind =
  /** One value; given twice is an error. */
  | 'string'
  /** A non-negative integer. */
  | 'int'
  /** Repeatable: every occurrence is kept, in order. */
  | 'list'
  /** Takes no value. */
  | 'bool';

export interface FlagSpec {
  readonly kind: FlagKind;
  /** The value's name in usage text: `N`, `FILE`, `V`. */
  readonly metavar?: string;
  readonly help: string;
  /** Smallest accepted value of an `int` flag (default 0). */
  readonly min?: number;
  /** Largest accepted value of an `int` flag. */
  readonly max?: number;
  /** Accepted values of a `string`/`list` flag, checked here so the message can list them. */
  readonly choices?: readonly string[];
}

export interface PositionalSpec {
  readonly name: string;
  readonly optional?: boolean;
  readonly help: string;
}

export interface ArgSpec {
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/** A usage error: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose usage to print, or null for the top-level usage. */
    readonly command: string | null,
  ) {
    super(message);
  }
}

export class ParsedArgs {
  constructor(
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, readonly string[]>,
  ) {}

  has(flag: string): boolean {
    return this.values.has(flag);
  }

  string(flag: string): string | undefined {
    return this.values.get(flag)?.[0];
  }

  int(flag: string): number | undefined {
    const v = this.values.get(flag)?.[0];
    return v === undefined ? undefined : Number(v);
  }

  list(flag: string): readonly string[] {
    return this.values.get(flag) ?? [];
  }

  bool(flag: string): boolean {
    return this.values.has(flag);
  }
}

const INT = /^(0|[1-9][0-9]*)$/;

export function parseArgs(command: string, spec: ArgSpec, argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const fail = (msg: string): never => {
    throw new UsageError(msg, command);
  };
  let flagsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (flagsDone || !arg.startsWith('--') || arg === '-') {
      if (!flagsDone && arg.startsWith('-') && arg !== '-') fail(`unknown option '${arg}'`);
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsDone = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const f = spec.flags[name];
    if (f === undefined) return fail(`unknown option '--${name}'`);
    let value: string;
    if (f.kind === 'bool') {
      if (eq >= 0) fail(`option '--${name}' takes no value`);
      value = '';
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return fail(`option '--${name}' needs a value (${f.metavar ?? 'VALUE'})`);
      value = next;
      i++;
    }
    checkValue(name, f, value, fail);
    const prev = values.get(name);
    if (prev !== undefined && f.kind !== 'list') fail(`option '--${name}' given more than once`);
    values.set(name, [...(prev ?? []), value]);
  }
  const required = spec.positionals.filter((p) => p.optional !== true).length;
  if (positionals.length < required) {
    const missing = spec.positionals[positionals.length] as PositionalSpec;
    fail(`missing <${missing.name}>`);
  }
  if (positionals.length > spec.positionals.length) {
    fail(`unexpected argument '${positionals[spec.positionals.length] as string}'`);
  }
  return new ParsedArgs(positionals, values);
}

function checkValue(name: string, f: FlagSpec, value: string, fail: (msg: string) => never): void {
  switch (f.kind) {
    case 'bool':
      return;
    case 'int': {
      const min = f.min ?? 0;
      const n = Number(value);
      if (!INT.test(value) || n < min || (f.max !== undefined && n > f.max)) {
        const range = f.max === undefined ? `${min} or more` : `from ${min} to ${f.max}`;
        fail(`option '--${name}' expects an integer ${range}, got '${value}'`);
      }
      return;
    }
    case 'string':
    case 'list':
      if (value === '') fail(`option '--${name}' needs a non-empty value`);
      if (f.choices !== undefined && !f.choices.includes(value)) {
        fail(`option '--${name}': unknown value '${value}' (one of: ${f.choices.join(', ')})`);
      }
      return;
  }
}

/** `run <scenario> [--variant V] [--mutation M]... [--seed N]` from the spec. */
export function usageLine(command: string, spec: ArgSpec): string {
  const parts = [command];
  for (const p of spec.positionals) parts.push(p.optional === true ? `[<${p.name}>]` : `<${p.name}>`);
  for (const [name, f] of Object.entries(spec.flags)) {
    const value = f.kind === 'bool' ? '' : ` ${f.metavar ?? 'VALUE'}`;
    parts.push(`[--${name}${value}]${f.kind === 'list' ? '...' : ''}`);
  }
  return parts.join(' ');
}
