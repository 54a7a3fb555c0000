// Cosmos partial document update, applied to a parsed document in place.
// Semantics (Cosmos "partial document update" reference):
// - add: creates or replaces an object member; on an array index inserts there (`-` appends).
// - set: like add, but on an array index overwrites the element.
// - replace / remove: the target must exist, else 400.
// - incr: adds to a number, creating the member when absent; 400 on a non-number.
// The parent of the target must exist; at most 10 operations per patch.
import { pointerSegments } from './paths';
import { DocumentStoreError, type PatchOperation } from './types';

export const MAX_PATCH_OPERATIONS = 10;

/** Members a patch may not touch: Cosmos rejects patching the id and the system properties. */
const PROTECTED = new Set(['id', '_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);

type Container = Record<string, unknown> | unknown[];

function bad(message: string): DocumentStoreError {
  return new DocumentStoreError(400, message);
}

function arrayIndex(seg: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && seg === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) throw bad(`Patch path "${path}": "${seg}" is not an array index.`);
  const i = Number(seg);
  if (i > length || (!allowEnd && i === length))
    throw bad(`Patch path "${path}": index ${i} is out of range.`);
  return i;
}

function parentOf(doc: Record<string, unknown>, segs: string[], path: string): Container {
  let at: unknown = doc;
  for (const s of segs.slice(0, -1)) {
    if (Array.isArray(at)) at = at[arrayIndex(s, at.length, false, path)];
    else if (at !== null && typeof at === 'object' && Object.hasOwn(at, s))
      at = (at as Record<string, unknown>)[s];
    else throw bad(`Patch path "${path}": "${s}" does not exist.`);
  }
  if (at === null || typeof at !== 'object')
    throw bad(`Patch path "${path}": its parent is not an object or array.`);
  return at as Container;
}

export function applyPatch(
  doc: Record<string, unknown>,
  operations: PatchOperation[],
  partitionKeyPath: string,
): void {
  if (!Array.isArray(operations) || operations.length === 0)
    throw bad('A patch needs at least one operation.');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw bad(`A patch has at most ${MAX_PATCH_OPERATIONS} operations (got ${operations.length}).`);
  }
  const pkSegs = pointerSegments(partitionKeyPath);
  for (const op of operations) {
    const segs = pointerSegments(op.path);
    if (segs.length === 1 && PROTECTED.has(segs[0]))
      throw bad(`Patch path "${op.path}": "${segs[0]}" cannot be patched.`);
    // Touching the partition key (or a member above it) would move the item: Cosmos refuses.
    if (segs.length <= pkSegs.length && segs.every((s, i) => s === pkSegs[i])) {
      throw bad(`Patch path "${op.path}": the partition key cannot be patched.`);
    }
    const parent = parentOf(doc, segs, op.path);
    const key = segs[segs.length - 1];
    if (Array.isArray(parent)) patchArray(parent, key, op);
    else patchObject(parent, key, op);
  }
}

function checkIncr(op: PatchOperation): number {
  const v = (op as { value: unknown }).value;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw bad(`Patch "incr" on "${op.path}" needs a number value.`);
  return v;
}

function patchObject(parent: Record<string, unknown>, key: string, op: PatchOperation): void {
  const exists = Object.hasOwn(parent, key);
  switch (op.op) {
    case 'add':
    case 'set':
      parent[key] = op.value;
      return;
    case 'replace':
      if (!exists) throw bad(`Patch "replace": "${op.path}" does not exist.`);
      parent[key] = op.value;
      return;
    case 'remove':
      if (!exists) throw bad(`Patch "remove": "${op.path}" does not exist.`);
      delete parent[key];
      return;
    case 'incr': {
      const by = checkIncr(op);
      const current = parent[key];
      if (!exists) parent[key] = by;
      else if (typeof current !== 'number') throw bad(`Patch "incr": "${op.path}" is not a number.`);
      else parent[key] = current + by;
      return;
    }
    default:
      throw bad(`Unknown patch operation "${String((op as PatchOperation).op)}".`);
  }
}

function patchArray(parent: unknown[], seg: string, op: PatchOperation): void {
  switch (op.op) {
    case 'add':
      parent.splice(arrayIndex(seg, parent.length, true, op.path), 0, op.value);
      return;
    case 'set':
      parent[arrayIndex(seg, parent.length, true, op.path)] = op.value;
      return;
    case 'replace':
      parent[arrayIndex(seg, parent.length, false, op.path)] = op.value;
      return;
    case 'remove':
      parent.splice(arrayIndex(seg, parent.length, false, op.path), 1);
      return;
    case 'incr': {
      const by = checkIncr(op);
      const i = arrayIndex(seg, parent.length, false, op.path);
      const current = parent[i];
      if (typeof current !== 'number') throw bad(`Patch "incr": "${op.path}" is not a number.`);
      parent[i] = current + by;
      return;
    }
    default:
      throw bad(`Unknown patch operation "${String((op as PatchOperation).op)}".`);
  }
}
