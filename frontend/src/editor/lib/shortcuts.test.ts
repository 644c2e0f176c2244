import { describe, expect, it } from 'vitest';
import { commandFor, SHORTCUTS } from './shortcuts';

describe('shortcuts', () => {
  it('maps the keys of the help panel to commands', () => {
    expect(commandFor({ key: 'z', ctrlKey: true })).toBe('undo');
    expect(commandFor({ key: 'Z', ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(commandFor({ key: 'y', metaKey: true })).toBe('redo');
    expect(commandFor({ key: 'c', ctrlKey: true })).toBe('copy');
    expect(commandFor({ key: 'v', metaKey: true })).toBe('paste');
    expect(commandFor({ key: 'G', ctrlKey: true, shiftKey: true })).toBe('ungroup');
    expect(commandFor({ key: 'Delete' })).toBe('delete');
    expect(commandFor({ key: 'l' })).toBe('layout');
    expect(commandFor({ key: '?', shiftKey: true })).toBe('help');
    expect(commandFor({ key: 'q', ctrlKey: true })).toBeNull();
    expect(commandFor({ key: 'z', ctrlKey: true, altKey: true })).toBeNull();
  });
  it('lists every command once', () => {
    const commands = SHORTCUTS.map((s) => s.command);
    expect(new Set(commands).size).toBe(commands.length);
  });
});
