/** Bad input that is neither a usage error nor a scenario/trace error (e.g. an unwritable --trace file): exit 2, no usage. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}
