import type { ArgSpec, ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

/**
 * One `hmmx` subcommand. The command table (`commands/index.ts`) is a list of these, so a new
 * command is one import and one entry there; parsing, usage and help come from `args`.
 */
export interface Command {
  readonly name: string;
  /** One line for `hmmx help`. */
  readonly summary: string;
  readonly args: ArgSpec;
  /** Example invocations (without the leading `hmmx`), shown by `hmmx help <command>`. */
  readonly examples?: readonly string[];
  /** Returns the exit code; user errors are thrown (`UsageError`, `ScenarioError`, `TraceError`, ...). */
  run(args: ParsedArgs, ctx: CommandContext): number;
}

export interface CommandContext {
  readonly io: CliIo;
  /** The whole table, for `help`. */
  readonly commands: readonly Command[];
}
