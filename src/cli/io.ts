/**
 * Everything a command may do to the outside world. `main` passes the real process and disk;
 * tests pass fakes, so a command never touches `process` or `fs` itself.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole file as UTF-8; throws a Node-style error (`code`) when it cannot. */
  readFile(path: string): string;
  /** Replaces `path` with `text` atomically: readers see the old file or the whole new one, never a part. */
  writeFile(path: string, text: string): void;
  exists(path: string): boolean;
  /** stderr is a terminal (progress can redraw one line); absent = no. */
  readonly stderrIsTTY?: boolean;
}
