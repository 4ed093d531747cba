/**
 * Bad input a user can cause (a scenario, a trace): the file, the JSON path of the offending value
 * (`$` for the document as a whole) and what is wrong. The CLI prints it and exits 2 (contract.md).
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  readonly file: string;
  readonly path: string;
  readonly detail: string;

  constructor(file: string, path: string, detail: string) {
    super(`${file}: ${path}: ${detail}`);
    this.file = file;
    this.path = path;
    this.detail = detail;
  }
}
