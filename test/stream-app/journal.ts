// What the app's functions and hooks saw, kept in memory and read back over HTTP
// (`GET /api/journal/{kind}`), so a test can ask a host running in another process.
const entries = new Map<string, unknown[]>();

export function note(kind: string, value: unknown): void {
  const list = entries.get(kind) ?? [];
  list.push(value);
  entries.set(kind, list);
}

export function notes(kind: string): unknown[] {
  return entries.get(kind) ?? [];
}
