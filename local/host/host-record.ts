// Where a running host listens, recorded beside its data file (as the local secret is kept there),
// so the command-line tools find the host on whatever port it took. The host writes the record once
// it serves and removes it when it stops cleanly; a host that was killed leaves it behind, so a
// reader checks that the process it names still runs. Every command-line tool finds its host here.
import fs from 'node:fs';
import path from 'node:path';

export interface HostRecord {
  url: string;
  pid: number;
  dataFile: string;
  startedAt: string;
}

/** The host a command talks to and how it was found (for the command to say), or why there is none. */
export type HostLookup = { url: string; via: string } | { url?: undefined; why: string };

export function hostRecordFile(dbFile: string): string {
  return path.resolve(dbFile) + '.host.json';
}

/** Records that this process serves `dbFile` at `url` (nothing for `:memory:`). */
export function writeHostRecord(dbFile: string, url: string): void {
  if (dbFile === ':memory:') return;
  const file = hostRecordFile(dbFile);
  const record: HostRecord = {
    url,
    pid: process.pid,
    dataFile: path.resolve(dbFile),
    startedAt: new Date().toISOString(),
  };
  // Written whole, then renamed: a reader never sees half a record.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(partial, file);
}

/** Removes the record if it is still this process's (a later host may have replaced it). */
export function removeHostRecord(dbFile: string, url: string): void {
  if (dbFile === ':memory:') return;
  const record = readRecord(hostRecordFile(dbFile));
  if (record?.pid === process.pid && record.url === url) fs.rmSync(hostRecordFile(dbFile), { force: true });
}

/**
 * The host a command-line tool talks to: the one given with `--url`, or else the one recorded
 * beside the data file, if its process still runs.
 */
export function findHost(options: { url?: string; dbFile: string }): HostLookup {
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      return { why: `--url must be the host's address, such as http://127.0.0.1:7071, not "${options.url}"` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { why: `--url must be an http address, not "${options.url}"` };
    return { url: url.origin, via: 'given with --url' };
  }
  const record = readRecord(hostRecordFile(options.dbFile));
  if (!record) return { why: `no host is running on ${options.dbFile}` };
  if (!isRunning(record.pid)) {
    return {
      why: `the host recorded for ${options.dbFile} (process ${record.pid}, ${record.url}) is no longer running`,
    };
  }
  return { url: record.url, via: `running on ${options.dbFile}` };
}

/** The record of the host running on `dbFile`, if there is one and its process still runs. */
export function runningHost(dbFile: string): HostRecord | undefined {
  const record = readRecord(hostRecordFile(dbFile));
  return record && isRunning(record.pid) ? record : undefined;
}

function readRecord(file: string): HostRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as Partial<HostRecord>;
    if (typeof record.url === 'string' && Number.isInteger(record.pid)) return record as HostRecord;
  } catch {
    // unreadable: as if absent
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
