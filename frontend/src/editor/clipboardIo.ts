// The system clipboard when the browser lets us, and localStorage otherwise,
// so copy/paste works between campaigns (and tabs) either way.
import { parseClipboard, serializeClipboard, type ClipboardPayload } from './lib/clipboard';

const STORAGE_KEY = 'asyncflow.clipboard';

export async function writeClipboard(payload: ClipboardPayload): Promise<void> {
  const text = serializeClipboard(payload);
  try {
    localStorage.setItem(STORAGE_KEY, text);
  } catch {
    /* private mode: the system clipboard still works */
  }
  try {
    await navigator.clipboard?.writeText(text);
  } catch {
    /* permission denied: localStorage has it */
  }
}

export async function readClipboard(): Promise<ClipboardPayload | null> {
  try {
    const text = await navigator.clipboard?.readText();
    const parsed = parseClipboard(text);
    if (parsed) return parsed;
  } catch {
    /* fall back below */
  }
  try {
    return parseClipboard(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}
