import { ScenarioError } from './errors.js';
import type { Scenario } from './types.js';
import { DEFAULT_KNOWN_MUTATIONS, DEFAULT_KNOWN_VARIANTS, validateScenario } from './validate.js';

/** Reads a whole text file; injectable so that callers without a disk (the viewer, tests) can load. */
export type ReadText = (path: string) => string;

/** The variant and mutation catalogues a scenario is checked against. */
export interface Catalogue {
  readonly knownVariants?: readonly string[];
  readonly knownMutations?: readonly string[];
}

/** Reads, parses and validates a scenario file; every failure is a `ScenarioError` naming `path`. */
/** The reader is the caller's: only the CLI touches the disk (architecture.md). */
export function loadScenarioFile(path: string, readFile: ReadText, catalogue: Catalogue = {}): Scenario {
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    throw new ScenarioError(path, '$', readFailure(e));
  }
  return parseScenarioText(text, path, catalogue);
}

/** Pure: JSON text to a validated scenario; syntax errors name the line and column. */
export function parseScenarioText(text: string, file: string, catalogue: Catalogue = {}): Scenario {
  // Editors on some systems save a byte-order mark, which JSON.parse rejects.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    throw new ScenarioError(file, '$', jsonFailure(e, body));
  }
  return validateScenario(
    raw,
    file,
    catalogue.knownVariants ?? DEFAULT_KNOWN_VARIANTS,
    catalogue.knownMutations ?? DEFAULT_KNOWN_MUTATIONS,
  );
}

function readFailure(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory, not a scenario file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    default: return `cannot read: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * V8's message says "at position N" (Node 20) or "(line L column C)" (newer); both become a
 * line and column, which is what an editor can jump to.
 */
function jsonFailure(e: unknown, text: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (text.trim() === '') return 'invalid JSON: the file is empty';
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol !== null) return `invalid JSON at line ${lineCol[1]}, column ${lineCol[2]}: ${stripLocation(message)}`;
  const pos = /at position (\d+)/.exec(message);
  if (pos?.[1] !== undefined) {
    const offset = Number(pos[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return `invalid JSON at line ${line}, column ${column}: ${stripLocation(message)}`;
  }
  if (/end of JSON input/.test(message)) {
    const lines = text.split('\n');
    return `invalid JSON at line ${lines.length}, column ${(lines[lines.length - 1] ?? '').length + 1}: ${message}`;
  }
  return `invalid JSON: ${message}`;
}

function stripLocation(message: string): string {
  return message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/\s*in JSON at position \d+.*$/, '').trim();
}
