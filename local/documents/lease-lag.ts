// How far a change-feed lease is behind its container, read from a host's data file (the host may
// be stopped): the items written after the lease's position, as the Cosmos DB change feed
// estimator counts a processor's lag. The outbox relay's progress is its lease, so the items past
// it that carry events are the events still waiting to be published.
import Database from 'better-sqlite3';

export interface LeaseLagQuery {
  /** The lease's `leaseContainerPrefix` (each processor has its own). */
  leasePrefix: string;
  databaseName: string;
  containerName: string;
  /** Count only the items that have this top-level field (e.g. `events`). */
  carrying?: string;
}

/** Items past the lease's position (all of the container's when no lease exists yet). */
export function itemsPastLease(dbFile: string, query: LeaseLagQuery): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const container = db
      .prepare('SELECT cid FROM doc_containers WHERE database_id = ? AND container_id = ?')
      .pluck()
      .get(query.databaseName, query.containerName) as number | undefined;
    if (container === undefined) return 0;
    const hasLeases = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cosmos_leases'`)
      .get();
    // Lease ids are JSON arrays: [lease database, lease container, prefix, database, container].
    const position = hasLeases
      ? ((db
          .prepare(
            `SELECT continuation FROM cosmos_leases
             WHERE json_extract(lease_id, '$[2]') = ? AND json_extract(lease_id, '$[3]') = ?
               AND json_extract(lease_id, '$[4]') = ?`,
          )
          .pluck()
          .get(query.leasePrefix, query.databaseName, query.containerName) as number | undefined) ?? 0)
      : 0;
    const carrying = query.carrying === undefined ? '' : ' AND json_type(body, ?) IS NOT NULL';
    return db
      .prepare(`SELECT COUNT(*) FROM doc_items WHERE cid = ? AND lsn > ?${carrying}`)
      .pluck()
      .get(container, position, ...(query.carrying === undefined ? [] : [`$.${query.carrying}`])) as number;
  } finally {
    db.close();
  }
}
