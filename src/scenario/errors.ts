/**
 * Bad input a user can cause: a scenario file that does not exist, does not parse or does not
 * validate. The CLI maps it to exit code 2 and prints the message, which names the file and the
 * JSON path (contract.md, exit codes).
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  /** The file (or built-in name, or the argument given) the scenario came from. */
  readonly file: string;
  /** JSONPath of the offending value, `$` for the document as a whole. */
  readonly path: string;
  readonly detail: string;

  constructor(file: string, path: string, detail: string) {
    super(`${file}: ${path}: ${detail}`);
    this.file = file;
    this.path = path;
    this.detail = detail;
  }
}

/** Index or key appended to a JSONPath; keys that are not identifiers use bracket notation. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
