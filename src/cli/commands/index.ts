import type { Command } from '../command.js';
import { checkCommand } from './check.js';
import { explainCommand } from './explain.js';
import { helpCommand } from './help.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { scenariosCommand } from './scenarios.js';
import { variantsCommand } from './variants.js';

/**
 * The command table, in the order `hmmx help` lists it. A new command is one import and one
 * entry here (e.g. `checkCommand` from './check.js').
 */
export const COMMANDS: readonly Command[] = [
  runCommand,
  checkCommand,
  replayCommand,
  explainCommand,
  scenariosCommand,
  variantsCommand,
  helpCommand,
];
