import { MUTATIONS, VARIANTS } from '../../domain/index.js';
import { DEFAULT_VARIANT } from '../../scenario/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';

/** `hmmx variants`: the kernel eras the model can be switched to, and the injectable bugs. */
export const variantsCommand: Command = {
  name: 'variants',
  summary: 'list the variants (kernel eras) and the mutations (injected bugs)',
  args: { positionals: [], flags: {} },
  examples: ['variants'],
  run(_args, { io }) {
    const lines: string[] = ['variants:'];
    for (const v of VARIANTS) {
      lines.push(`  ${v.id} (${v.era}${v.id === DEFAULT_VARIANT ? ', the default' : ''})`);
      lines.push(`      ${v.summary}`);
      lines.push(`      commit: ${v.commit}`);
    }
    lines.push('', 'mutations (--mutation M, on top of a variant):');
    for (const m of MUTATIONS) {
      lines.push(`  ${m.id}`);
      lines.push(`      breaks: ${m.breaks}`);
      lines.push(`      kernel: ${m.kernelPath}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return EXIT.pass;
  },
};
