import { builtinScenarios } from '../../scenario/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';

/** `hmmx scenarios`: the built-in scenarios, name and description. */
export const scenariosCommand: Command = {
  name: 'scenarios',
  summary: 'list the built-in scenarios',
  args: { positionals: [], flags: {} },
  examples: ['scenarios'],
  run(_args, { io }) {
    const all = [...builtinScenarios.values()];
    const w = Math.max(...all.map((s) => s.name.length));
    const lines = all.map((s) => `${s.name.padEnd(w)}  ${s.description}  [${s.variant}${s.mutations.length > 0 ? ` +${s.mutations.join(',')}` : ''}]`);
    io.stdout(`${lines.join('\n')}\n`);
    return EXIT.pass;
  },
};
