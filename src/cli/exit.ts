/** Exit codes (contract.md): the same for every command. */
export const EXIT = {
  pass: 0,
  violation: 1,
  /** Bad input or usage; the message names the file and the JSON path. */
  usage: 2,
  /** A limit (`--max-steps`, `--max-states`, ...) stopped the work before it finished. */
  incomplete: 3,
  /** A bug in the model itself (an actor refused a RET, a call went to no actor): not the user's fault. */
  internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
