// Transactional batches (Cosmos TransactionalBatch): up to 100 operations on one partition, checked
// before anything runs, applied in one transaction with one change-feed position for every item it
// writes; a failed operation rolls the batch back and reports its own status, every other one 424.
import type { Items, Lsn } from './items';
import { DocumentStoreError, type BatchOperation, type BatchResult, type StoredDocument } from './types';

const MAX_BATCH_OPERATIONS = 100;

class BatchFailed extends Error {
  constructor(readonly failure: { failedIndex: number; status: DocumentStoreError['status'] }) {
    super('batch failed');
  }
}

/** 400 for a malformed batch: empty, too large, an item of another partition, a mismatched id. */
export function checkBatch(items: Items, partitionKey: string, operations: BatchOperation[]): void {
  if (!Array.isArray(operations) || operations.length === 0)
    throw new DocumentStoreError(400, 'A batch needs operations.');
  if (operations.length > MAX_BATCH_OPERATIONS) {
    throw new DocumentStoreError(
      400,
      `A batch has at most ${MAX_BATCH_OPERATIONS} operations (got ${operations.length}).`,
    );
  }
  for (const op of operations) {
    if ('resourceBody' in op) {
      const key = items.keyOf(op.resourceBody);
      if (key.partitionKey !== partitionKey) {
        throw new DocumentStoreError(400, `Batch item "${key.id}" is not in partition "${partitionKey}".`);
      }
      if (op.operationType === 'Replace' && key.id !== op.id) {
        throw new DocumentStoreError(
          400,
          `Batch replace of "${op.id}" carries a document with id "${key.id}".`,
        );
      }
    }
  }
}

/**
 * Runs a checked batch. `transaction` runs its function as one write transaction of the container
 * and hands it the change-feed position its items share.
 */
export function runBatch(batch: {
  items: Items;
  partitionKey: string;
  operations: BatchOperation[];
  transaction: (fn: (lsn: Lsn) => void) => void;
}): BatchResult[] {
  const { items, partitionKey, operations } = batch;
  const results: BatchResult[] = [];
  try {
    batch.transaction((lsn) => {
      operations.forEach((op, i) => {
        try {
          results.push(apply(items, { partitionKey, op, lsn }));
        } catch (err) {
          if (err instanceof DocumentStoreError)
            throw new BatchFailed({ failedIndex: i, status: err.status });
          throw err;
        }
      });
    });
  } catch (err) {
    if (!(err instanceof BatchFailed)) throw err;
    const { failedIndex, status } = err.failure;
    return operations.map((_, i) => ({ statusCode: i === failedIndex ? status : 424 }));
  }
  return results;
}

function apply(items: Items, step: { partitionKey: string; op: BatchOperation; lsn: Lsn }): BatchResult {
  const { partitionKey, op, lsn } = step;
  const done = (statusCode: 200 | 201, doc: StoredDocument): BatchResult => ({
    statusCode,
    resourceBody: doc,
    eTag: doc._etag,
  });
  switch (op.operationType) {
    case 'Create':
      return done(201, items.create(op.resourceBody, lsn));
    case 'Upsert': {
      const upserted = items.upsert({ doc: op.resourceBody, ifMatch: op.ifMatch }, lsn);
      return done(upserted.created ? 201 : 200, upserted.doc);
    }
    case 'Replace':
      return done(
        200,
        items.replace({ partitionKey, id: op.id, doc: op.resourceBody, ifMatch: op.ifMatch }, lsn),
      );
    case 'Delete':
      items.delete({ partitionKey, id: op.id, ifMatch: op.ifMatch });
      return { statusCode: 204 };
    case 'Read': {
      const doc = items.read({ partitionKey, id: op.id });
      if (!doc) throw new DocumentStoreError(404, `No item "${op.id}" in that partition.`);
      return done(200, doc);
    }
    case 'Patch':
      return done(200, items.patch({ partitionKey, ...op }, lsn));
    default:
      throw new DocumentStoreError(
        400,
        `Unknown batch operation "${String((op as BatchOperation).operationType)}".`,
      );
  }
}
