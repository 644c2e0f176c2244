// A step's log as the log panel shows it: the stored log fetched once, then the lines of later events.
import { LOG_LINES_KEPT, type LogChunk } from './types';

/** The stored log of one step, and the view's lastSeq when it was asked for and when it arrived. */
export interface StoredLog {
  lines: string[];
  askedAt: number;
  arrivedAt: number;
}

/** The lines of the log endpoint's text (each line ends with a newline). */
export function storedLogLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The stored log followed by the lines it does not hold yet. Chunks up to
 * `askedAt` are in the stored text; chunks after `arrivedAt` are not. Those
 * in between were written while the request was under way: the ones the
 * stored text already ends with are dropped, so no line shows twice.
 */
export function stepLogLines(stored: StoredLog | null, chunks: readonly LogChunk[]): string[] {
  if (!stored) return chunks.flatMap((c) => c.lines).slice(-LOG_LINES_KEPT);
  const later = chunks.filter((c) => c.seq > stored.askedAt);
  const racing = later.filter((c) => c.seq <= stored.arrivedAt);
  let held = 0;
  for (let k = racing.length; k > 0; k--) {
    if (
      endsWith(
        stored.lines,
        racing.slice(0, k).flatMap((c) => c.lines),
      )
    ) {
      held = k;
      break;
    }
  }
  const lines = [...stored.lines, ...later.slice(held).flatMap((c) => c.lines)];
  return lines.length > LOG_LINES_KEPT ? lines.slice(-LOG_LINES_KEPT) : lines;
}

function endsWith(lines: readonly string[], tail: readonly string[]): boolean {
  if (tail.length > lines.length) return false;
  const offset = lines.length - tail.length;
  return tail.every((line, i) => lines[offset + i] === line);
}
