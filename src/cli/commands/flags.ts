import { MUTATIONS, VARIANTS, type MutationId, type VariantId } from '../../domain/index.js';
import type { FlagSpec, ParsedArgs } from '../args.js';
import type { Scenario } from '../../scenario/index.js';
import type { ModelChoice } from '../session.js';

/** `--variant` / `--mutation`, shared by every command that builds a model (run, check, ...). */
export const MODEL_FLAGS: Readonly<Record<'variant' | 'mutation', FlagSpec>> = {
  variant: {
    kind: 'string',
    metavar: 'V',
    help: "the kernel era to model, overriding the scenario's own (see `hmmx variants`)",
    choices: VARIANTS.map((v) => v.id),
  },
  mutation: {
    kind: 'list',
    metavar: 'M',
    help: "an injected bug; repeat for several; replaces the scenario's own list",
    choices: MUTATIONS.map((m) => m.id),
  },
};

/** The variant and mutations a run uses: the command line's when given, else the scenario's. */
export function modelChoice(args: ParsedArgs, scenario: Scenario): ModelChoice {
  const variant = (args.string('variant') ?? scenario.variant) as VariantId;
  const given = args.list('mutation');
  const mutations = (given.length > 0 ? [...new Set(given)] : scenario.mutations) as readonly MutationId[];
  return { variant, mutations };
}
