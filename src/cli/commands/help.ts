import { UsageError, usageLine } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';

/** The top-level usage: every command of the table, one line each. */
export function topUsage(commands: readonly Command[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hmmx <command> [arguments]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run `hmmx help <command>` for its options.',
    'Exit codes: 0 pass, 1 violation, 2 bad input or usage, 3 incomplete (a limit was reached).',
    '',
  ].join('\n');
}

/** One command's usage line, arguments, options and examples. */
export function commandUsage(c: Command): string {
  const lines = [`usage: hmmx ${usageLine(c.name, c.args)}`, '', c.summary];
  if (c.args.positionals.length > 0) {
    lines.push('', 'arguments:');
    for (const p of c.args.positionals) lines.push(`  <${p.name}>  ${p.help}`);
  }
  const flags = Object.entries(c.args.flags);
  if (flags.length > 0) {
    lines.push('', 'options:');
    const names = flags.map(([n, f]) => `--${n}${f.kind === 'bool' ? '' : ` ${f.metavar ?? 'VALUE'}`}`);
    const w = Math.max(...names.map((n) => n.length));
    flags.forEach(([, f], i) => {
      const choices = f.choices === undefined ? '' : ` (${f.choices.join(', ')})`;
      lines.push(`  ${(names[i] as string).padEnd(w)}  ${f.help}${choices}`);
    });
  }
  if (c.examples !== undefined && c.examples.length > 0) {
    lines.push('', 'examples:', ...c.examples.map((e) => `  hmmx ${e}`));
  }
  return `${lines.join('\n')}\n`;
}

export const helpCommand: Command = {
  name: 'help',
  summary: 'show the commands, or one command\'s options',
  args: { positionals: [{ name: 'command', optional: true, help: 'the command to describe' }], flags: {} },
  examples: ['help', 'help run'],
  run(args, { io, commands }) {
    const name = args.positionals[0];
    if (name === undefined) {
      io.stdout(topUsage(commands));
      return EXIT.pass;
    }
    const c = commands.find((x) => x.name === name);
    if (c === undefined) throw new UsageError(`unknown command '${name}'`, null);
    io.stdout(commandUsage(c));
    return EXIT.pass;
  },
};
