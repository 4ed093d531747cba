import type { Command } from '../command.js';
import { EXIT } from '../exit.js';
import { headerLine, renderExecution } from '../session.js';
import { replayTraceFile } from './traceSession.js';

/**
 * `hmmx explain`: the trace as the kernel-style log `run` prints, recomputed by replaying its
 * choices (never re-choosing). It explains; it does not judge, so it exits 0 once printed.
 */
export const explainCommand: Command = {
  name: 'explain',
  summary: 'print a trace as the kernel-style log: one line per step, actor, kernel function, state change',
  args: {
    positionals: [{ name: 'trace.json', help: 'a trace written by `run --trace` or `check`' }],
    flags: {},
  },
  examples: ['explain /tmp/basic.json'],
  run(args, { io }) {
    const path = args.positionals[0] as string;
    const { trace, model, result, verdict } = replayTraceFile(path, io);
    io.stdout(renderExecution(model, result, verdict, [headerLine(trace.scenario, trace, trace.seed)], trace.cycleStart).text);
    return EXIT.pass;
  },
};
