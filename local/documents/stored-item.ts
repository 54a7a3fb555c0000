// Whether a data file holds an item, read straight from the file (the host may be stopped): for
// tools that must not act on something that does not exist, such as a token for no member.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { partitionKeyText } from './items';

export interface StoredItemQuery {
  containerName: string;
  partitionKey: string;
  id: string;
}

/**
 * True when a container of that name (in any database) holds the item, whatever its expiry (the
 * host's clock, which TTLs run on, may be moved; tools ask of items that do not expire). False for
 * a file that does not exist or holds no such container yet.
 */
export function hasStoredItem(dbFile: string, query: StoredItemQuery): boolean {
  if (!fs.existsSync(dbFile)) return false;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const hasItems = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'doc_items'`)
      .get();
    if (!hasItems) return false;
    const found = db
      .prepare(
        `SELECT 1 FROM doc_items i JOIN doc_containers c ON c.cid = i.cid
         WHERE c.container_id = ? AND i.pk = ? AND i.id = ?`,
      )
      .get(query.containerName, partitionKeyText(query.partitionKey, query.id), query.id);
    return found !== undefined;
  } finally {
    db.close();
  }
}
