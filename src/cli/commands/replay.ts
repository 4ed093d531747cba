import type { Command } from '../command.js';
import { exitOf, headerLine, runSummary } from '../session.js';
import { verdictLine } from '../../trace/summary.js';
import { replayTraceFile } from './traceSession.js';

/** `hmmx replay`: re-executes a trace's choices and insists on the recorded outcome. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 're-execute a trace step by step; it must reproduce the recorded run exactly',
  args: {
    positionals: [{ name: 'trace.json', help: 'a trace written by `run --trace` or `check`' }],
    flags: {},
  },
  examples: ['replay /tmp/basic.json'],
  run(args, { io }) {
    const path = args.positionals[0] as string;
    const { trace, model, result, verdict } = replayTraceFile(path, io);
    const summary = runSummary(model, result, verdict);
    const reproduced = verdict.kind === 'violation' ? `the recorded ${verdictLine(verdict).replace(/^verdict: /, '')}` : `the recorded ${verdict.kind} run`;
    const lines = [
      headerLine(trace.scenario, trace, trace.seed),
      `replayed ${trace.choices.length} choices: every step was enabled in turn and the run ended ${result.end}, as recorded`,
      `reproduced ${reproduced}`,
      '',
      ...summary,
    ];
    io.stdout(`${lines.join('\n')}\n`);
    return exitOf(verdict.kind);
  },
};
