// Reading the local event log through the dev host's admin route (it needs the host's master key),
// as `npm run events` does.
import { call } from '../rentals/support-host';

export interface LoggedEvent {
  partitionId: string;
  sequenceNumber: number;
  partitionKey: string | null;
  messageId: string | null;
  body: {
    id: string;
    type: string;
    subject: string;
    time: string;
    specversion: string;
    source: string;
    datacontenttype: string;
    data: Record<string, unknown>;
  };
}

/** A host as these helpers need it: its URL and master key. */
export interface KeyedHost {
  url: string;
  keys: { master: string };
}

/** Every event of the hub, each partition in sequence order. */
export async function hubEvents(host: KeyedHost, hub = 'rentbook-events'): Promise<LoggedEvent[]> {
  const headers = { 'x-functions-key': host.keys.master };
  const first = await call<{ partitions: { partitionId: string }[] }>(
    host.url,
    'GET',
    `/admin/eventhubs/${hub}/events?limit=1`,
    { headers },
  );
  if (first.status === 404) return [];
  if (first.status !== 200) throw new Error(`listing events: ${first.status} ${JSON.stringify(first.body)}`);
  const all: LoggedEvent[] = [];
  for (const { partitionId } of first.body.partitions) {
    let from = 0;
    for (;;) {
      const page = await call<{ events: LoggedEvent[] }>(
        host.url,
        'GET',
        `/admin/eventhubs/${hub}/events?partition=${partitionId}&fromSequenceNumber=${from}&limit=1000`,
        { headers },
      );
      all.push(...page.body.events);
      if (page.body.events.length < 1000) break;
      from = page.body.events[page.body.events.length - 1].sequenceNumber + 1;
    }
  }
  return all;
}

/** The events about one subject (`rentals/<id>`), in the order the hub holds them. */
export function about(events: LoggedEvent[], subject: string): LoggedEvent[] {
  return events.filter((e) => e.body.subject === subject);
}
