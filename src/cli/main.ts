import { InputError } from '../domain/index.js';
import { ReplayMismatchError } from '../sched/scheduler.js';
import { UsageError, parseArgs, usageLine } from './args.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { commandUsage, topUsage } from './commands/help.js';
import { CliInputError } from './errors.js';
import { EXIT } from './exit.js';
import type { CliIo } from './io.js';
import { nodeIo } from './nodeIo.js';

/**
 * `hmmx <command> ...` with injected I/O; returns the exit code (contract.md). User errors become
 * one message on stderr naming the file and JSON path, never a stack trace.
 */
export function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): number {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(topUsage(commands));
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    io.stdout(topUsage(commands));
    return EXIT.pass;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}'`, null);
    const dashdash = rest.indexOf('--');
    const flags = dashdash < 0 ? rest : rest.slice(0, dashdash);
    if (flags.includes('--help') || flags.includes('-h')) {
      io.stdout(commandUsage(command));
      return EXIT.pass;
    }
    return command.run(parseArgs(command.name, command.args, rest), { io, commands });
  } catch (e) {
    return report(e, io, commands);
  }
}

function report(e: unknown, io: CliIo, commands: readonly Command[]): number {
  if (e instanceof UsageError) {
    const c = e.command === null ? undefined : commands.find((x) => x.name === e.command);
    if (c === undefined) {
      io.stderr(`hmmx: ${e.message}\n\n${topUsage(commands)}`);
    } else {
      io.stderr(`hmmx ${c.name}: ${e.message}\nusage: hmmx ${usageLine(c.name, c.args)}\nRun \`hmmx help ${c.name}\` for details.\n`);
    }
    return EXIT.usage;
  }
  if (e instanceof InputError || e instanceof CliInputError) {
    io.stderr(`hmmx: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof ReplayMismatchError) {
    io.stderr(`hmmx: ${e.message}\n`);
    return EXIT.usage;
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  io.stderr(`hmmx: internal error (a bug in the model, not in your input):\n${detail}\n`);
  return EXIT.internal;
}

/** The entry point of bin/hmmx.js: the real process, disk and exit code. */
export function main(argv: readonly string[]): void {
  process.exitCode = runCli(argv, nodeIo());
}
