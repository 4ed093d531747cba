import { InputError } from '../domain/inputError.js';

/**
 * Bad input a user can cause: a scenario file that does not exist, does not parse or does not
 * validate. The CLI maps it to exit code 2 and prints the message, which names the file and the
 * JSON path (contract.md, exit codes).
 */
export class ScenarioError extends InputError {
  override readonly name = 'ScenarioError';
}

/** Index or key appended to a JSONPath; keys that are not identifiers use bracket notation. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
