import { UsageError, parseArgs, usageLine, type ArgSpec } from '../../src/cli/args.js';

const spec: ArgSpec = {
  positionals: [{ name: 'scenario', help: 's' }, { name: 'extra', optional: true, help: 'e' }],
  flags: {
    variant: { kind: 'string', metavar: 'V', help: 'v', choices: ['linux-6.15', 'linux-5.14'] },
    mutation: { kind: 'list', metavar: 'M', help: 'm' },
    seed: { kind: 'int', metavar: 'N', help: 'n', max: 0xffffffff },
    'max-steps': { kind: 'int', metavar: 'N', help: 'n', min: 1 },
    json: { kind: 'bool', help: 'j' },
  },
};

function usageErrorOf(argv: readonly string[]): UsageError {
  try {
    parseArgs('run', spec, argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('reads positionals and every kind of flag, in both spellings', () => {
    const a = parseArgs('run', spec, ['basic', '--seed', '7', '--variant=linux-5.14', '--mutation', 'a', '--json', '--mutation=b', '--max-steps', '10']);
    expect(a.positionals).toEqual(['basic']);
    expect(a.int('seed')).toBe(7);
    expect(a.string('variant')).toBe('linux-5.14');
    expect(a.list('mutation')).toEqual(['a', 'b']);
    expect(a.bool('json')).toBe(true);
    expect(a.int('max-steps')).toBe(10);
  });

  it('leaves absent flags undefined / empty / false', () => {
    const a = parseArgs('run', spec, ['basic', 'more']);
    expect(a.positionals).toEqual(['basic', 'more']);
    expect(a.int('seed')).toBeUndefined();
    expect(a.string('variant')).toBeUndefined();
    expect(a.list('mutation')).toEqual([]);
    expect(a.bool('json')).toBe(false);
    expect(a.has('seed')).toBe(false);
  });

  it('takes everything after -- as positionals', () => {
    expect(parseArgs('run', spec, ['--', '--weird-name']).positionals).toEqual(['--weird-name']);
  });

  it.each<readonly [string, readonly string[], string]>([
    ['an unknown option', ['basic', '--frobnicate'], "unknown option '--frobnicate'"],
    ['an unknown short option', ['basic', '-x'], "unknown option '-x'"],
    ['a missing value', ['basic', '--seed'], "option '--seed' needs a value (N)"],
    ['a flag where the value should be', ['basic', '--trace-less', '--seed', '--json'], "unknown option '--trace-less'"],
    ['a value that is the next flag', ['basic', '--variant', '--json'], "option '--variant' needs a value (V)"],
    ['a non-integer', ['basic', '--seed', 'seven'], "option '--seed' expects an integer from 0 to 4294967295, got 'seven'"],
    ['a negative integer', ['basic', '--seed=-1'], "option '--seed' expects an integer from 0 to 4294967295, got '-1'"],
    ['an integer over the maximum', ['basic', '--seed', '4294967296'], "option '--seed' expects an integer from 0 to 4294967295, got '4294967296'"],
    ['an integer below the minimum', ['basic', '--max-steps', '0'], "option '--max-steps' expects an integer 1 or more, got '0'"],
    ['a leading zero', ['basic', '--seed', '07'], "option '--seed' expects an integer from 0 to 4294967295, got '07'"],
    ['a value outside the choices', ['basic', '--variant', 'linux-4.0'], "option '--variant': unknown value 'linux-4.0' (one of: linux-6.15, linux-5.14)"],
    ['an empty value', ['basic', '--mutation='], "option '--mutation' needs a non-empty value"],
    ['a single-valued flag twice', ['basic', '--seed', '1', '--seed', '2'], "option '--seed' given more than once"],
    ['a value on a switch', ['basic', '--json=yes'], "option '--json' takes no value"],
    ['no positional', [], 'missing <scenario>'],
    ['too many positionals', ['a', 'b', 'c'], "unexpected argument 'c'"],
  ])('rejects %s', (_name, argv, message) => {
    const e = usageErrorOf(argv);
    expect(e.message).toBe(message);
    expect(e.command).toBe('run');
  });
});

describe('usageLine', () => {
  it('is generated from the spec', () => {
    expect(usageLine('run', spec)).toBe('run <scenario> [<extra>] [--variant V] [--mutation M]... [--seed N] [--max-steps N] [--json]');
  });
});
