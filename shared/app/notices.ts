// Notices (docs/decisions/0007-notices-and-the-overdue-index.md). Three steps, each idempotent:
// 1. compose: an Event Hubs consumer turns each domain event the notice policy names
//    (shared/domain/notices.ts) into one notice message on the Service Bus queue `notifications`,
//    its `messageId` the event's id, so duplicate detection drops a repeat sent within its window;
// 2. deliver: a Service Bus-triggered sender puts each notice in the member's inbox (container
//    `notices`, one item per notice, its id the event's id) and hands it to every other channel (the
//    webhook, when one is set), recording each channel on the notice once it took it. A failure throws:
//    Service Bus delivers the message again, and after its max delivery count dead-letters it;
// 3. replay: a librarian lists the dead letters and sends them again once the channel is mended.
// A notice delivered again, whenever, finds its inbox item and the channels that took it, and does
// nothing twice: one event gives one notice however often it arrives.
import { isPlainText } from '../domain/text';
import { z } from 'zod';
import { NOTICE_KINDS, noticeFor, type NoticeFacts, type NoticeKind } from '../domain/notices';
import { denial, type Caller } from './authorization';
import { domainEvent, type DomainEvent } from './events';
import { newId } from './ids';
import { memberNotFound } from './members';
import { ok, type Outcome } from './outcome';
import {
  isDocumentError,
  type AppDeps,
  type DeadLetter,
  type DeadLetterReceiver,
  type Doc,
  type MessageSender,
  type NoticeChannel,
  type NoticeDelivery,
  type OutgoingMessage,
} from './ports';
import type { MemberDoc } from './records';
import type { ReplayResult } from './dead-letters';
import { nowIso } from './time';
import { continuationFrom, continuationToken, invalidContinuation, listPage, type ListPage } from './paging';

/** The Service Bus queue notices travel through. */
export const NOTICES_QUEUE = 'notifications';

// Service Bus takes at most 256 kB per batch on Standard; a notice is well under 1 kB.
const SEND_CHUNK = 100;

/** A notice as it travels on the queue and as channels get it. */
export const noticeMessage = z
  .object({
    id: z.string().min(1).max(100),
    memberId: z.string().min(1).max(100),
    kind: z.enum(NOTICE_KINDS),
    text: z.string().min(1).max(2000).refine(isPlainText, 'has control characters'),
    rentalId: z.string().min(1).max(100).optional(),
    holdId: z.string().min(1).max(100).optional(),
    bookTitle: z.string().nullable().optional(),
    createdAt: z.string().datetime(),
  })
  .strict();

/** `notices`, partition key `/memberId`: one notice in a member's inbox (id = the event's id). */
export interface NoticeDoc extends Doc {
  type: 'notice';
  memberId: string;
  kind: NoticeKind;
  text: string;
  rentalId?: string;
  holdId?: string;
  bookTitle?: string | null;
  createdAt: string;
  /** The channels besides the inbox that took the notice, and when. */
  deliveredTo: Record<string, string>;
}

/** A notice as the member's inbox shows it. */
export interface Notice {
  id: string;
  kind: NoticeKind;
  text: string;
  rentalId?: string;
  holdId?: string;
  bookTitle?: string;
  createdAt: string;
}

/** The notice an event gives, or undefined when the policy gives it none. */
export function noticeOf(event: DomainEvent, timeZone: string): NoticeDelivery | undefined {
  const data = event.data as NoticeFacts & Record<string, unknown> & { memberId: string };
  const rule = noticeFor(event.type, data, { timeZone });
  if (!rule) return undefined;
  const notice: z.infer<typeof noticeMessage> = {
    id: event.id,
    memberId: data.memberId,
    kind: rule.kind,
    text: rule.text,
    createdAt: event.time,
  };
  if (typeof data.rentalId === 'string') notice.rentalId = data.rentalId;
  if (typeof data.holdId === 'string') notice.holdId = data.holdId;
  if (typeof data.bookTitle === 'string' || data.bookTitle === null) notice.bookTitle = data.bookTitle;
  return notice;
}

export interface ComposeResult {
  sent: number;
  /** Valid events the policy gives no notice for. */
  ignored: number;
  /** What arrived and is not a valid domain event: not acted on, handed back as it came. */
  invalid: unknown[];
}

/** Step 1: the notices a batch of events gives, sent to the queue (each event's id its message id). */
export async function composeNotices(
  deps: AppDeps,
  sender: MessageSender,
  events: readonly unknown[],
): Promise<ComposeResult> {
  const result: ComposeResult = { sent: 0, ignored: 0, invalid: [] };
  const messages: OutgoingMessage[] = [];
  for (const raw of events) {
    const parsed = domainEvent.safeParse(fromJsonText(raw));
    if (!parsed.success) {
      result.invalid.push(raw);
      continue;
    }
    const notice = noticeOf(parsed.data, deps.policy.feeTimeZone);
    if (!notice) result.ignored++;
    else messages.push({ messageId: notice.id, body: notice, contentType: 'application/json' });
  }
  for (let i = 0; i < messages.length; i += SEND_CHUNK) {
    await sender.send(NOTICES_QUEUE, messages.slice(i, i + SEND_CHUNK));
  }
  result.sent = messages.length;
  return result;
}

export interface DeliveryResult {
  /** False when the inbox already held the notice (a repeat). */
  addedToInbox: boolean;
  /** Channels that took it in this call. */
  deliveredTo: string[];
}

/**
 * Step 2: one notice message, into the member's inbox and through every channel that has not taken it
 * yet. Throws when the message is not a notice or a channel fails (Service Bus then delivers it again).
 */
export async function deliverNotice(
  deps: AppDeps,
  channels: readonly NoticeChannel[],
  message: unknown,
): Promise<DeliveryResult> {
  const parsed = noticeMessage.safeParse(fromJsonText(message));
  if (!parsed.success) {
    throw new Error(
      `Not a notice: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const notice = parsed.data;
  const { notices } = deps.containers;
  let stored: NoticeDoc | undefined;
  let addedToInbox = false;
  try {
    stored = await notices.create<NoticeDoc>({ ...notice, type: 'notice', deliveredTo: {} });
    addedToInbox = true;
  } catch (err) {
    if (!isDocumentError(err, 409)) throw err;
    stored = await notices.read<NoticeDoc>(notice.memberId, notice.id);
    if (!stored) throw new Error(`Notice ${notice.id} was there and is gone`);
  }
  const deliveredTo: string[] = [];
  for (const channel of channels) {
    if (stored.deliveredTo?.[channel.name] !== undefined) continue;
    await channel.deliver(notice);
    try {
      await notices.patch(
        notice.memberId,
        notice.id,
        [{ op: 'set', path: `/deliveredTo/${channel.name}`, value: nowIso(deps.clock) }],
        { condition: [{ field: `deliveredTo.${channel.name}`, op: 'notExists' }] },
      );
    } catch (err) {
      // Another delivery of the same message recorded it first.
      if (!isDocumentError(err, 412)) throw err;
    }
    deliveredTo.push(channel.name);
  }
  return { addedToInbox, deliveredTo };
}

export interface NoticePage {
  items: Notice[];
  continuation: string | null;
}

/** A member's inbox, newest first. */
export async function listNotices(
  deps: AppDeps,
  caller: Caller,
  memberId: string,
  page: { limit: number; continuation?: string },
): Promise<Outcome<NoticePage>> {
  const denied = denial(caller, 'notices.list', { memberId });
  if (denied) return denied;
  if (!(await deps.containers.members.read<MemberDoc>(memberId, memberId))) return memberNotFound(memberId);
  return listPage(
    () =>
      deps.containers.notices.query<NoticeDoc>({
        partitionKey: memberId,
        where: [{ field: 'type', op: '=', value: 'notice' }],
        orderBy: [{ field: 'createdAt', direction: 'desc' }],
        limit: page.limit,
        continuation: page.continuation,
      }),
    toNotice,
  );
}

function toNotice(doc: NoticeDoc): Notice {
  const notice: Notice = { id: doc.id, kind: doc.kind, text: doc.text, createdAt: doc.createdAt };
  if (doc.rentalId !== undefined) notice.rentalId = doc.rentalId;
  if (doc.holdId !== undefined) notice.holdId = doc.holdId;
  if (typeof doc.bookTitle === 'string') notice.bookTitle = doc.bookTitle;
  return notice;
}

/** A notice message Service Bus dead-lettered, as a librarian sees it. */
export interface NoticeDeadLetter {
  messageId: string;
  /** The notice it carries; null when its body is not a notice. */
  notice: z.infer<typeof noticeMessage> | null;
  reason?: string;
  description?: string;
  deliveryCount: number;
  enqueuedAt: string;
}

/**
 * A page of dead-lettered notices, oldest first, looked at without locking them (a replay running
 * at the same moment is not disturbed). The continuation names the sequence number to go on from.
 */
export async function listNoticeDeadLetters(
  caller: Caller,
  receiver: DeadLetterReceiver,
  page: { limit: number; continuation?: string },
): Promise<Outcome<ListPage<NoticeDeadLetter>>> {
  const denied = denial(caller, 'notices.deadLetters');
  if (denied) return denied;
  const from = page.continuation === undefined ? 0 : continuationFrom(page.continuation, sequenceFrom)?.from;
  if (from === undefined) return invalidContinuation();
  // One more than asked says whether another page follows.
  const letters = await receiver.peek(NOTICES_QUEUE, page.limit + 1, from);
  const items = letters.slice(0, page.limit);
  const next = letters.length > page.limit ? letters[page.limit].sequenceNumber : undefined;
  return ok({
    items: items.map(describeLetter),
    continuation: next === undefined ? null : continuationToken({ from: next }),
  });
}

/** What a dead letters' continuation token holds: the sequence number to go on from. */
const sequenceFrom = z.object({ from: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();

function describeLetter(letter: Omit<DeadLetter, 'lockToken'>): NoticeDeadLetter {
  const parsed = noticeMessage.safeParse(fromJsonText(letter.body));
  const item: NoticeDeadLetter = {
    messageId: letter.messageId,
    notice: parsed.success ? parsed.data : null,
    deliveryCount: letter.deliveryCount,
    enqueuedAt: new Date(letter.enqueuedAt).toISOString(),
  };
  if (letter.reason !== undefined) item.reason = letter.reason;
  if (letter.description !== undefined) item.description = letter.description;
  return item;
}

// A replay takes at most this many dead letters; call it again for more.
const REPLAY_MAX = 1000;

/**
 * Sends every dead-lettered notice to the queue again and removes it from the dead letters. Each goes
 * with a new message id (duplicate detection still remembers the first); the sender's inbox and
 * channel records make a notice that did get through before deliver nothing twice. A dead letter that
 * is not a notice stays, counted as failed.
 */
export async function replayNoticeDeadLetters(
  deps: AppDeps,
  caller: Caller,
  receiver: DeadLetterReceiver,
  sender: MessageSender,
): Promise<Outcome<ReplayResult>> {
  const denied = denial(caller, 'notices.deadLetters');
  if (denied) return denied;
  const result: ReplayResult = { replayed: 0, failed: 0 };
  // Kept locked until the end, so one call never takes the same letter twice.
  const kept: DeadLetter[] = [];
  const replayed = new Set<string>();
  try {
    while (result.replayed + kept.length < REPLAY_MAX) {
      const letters = await receiver.receive(
        NOTICES_QUEUE,
        Math.min(100, REPLAY_MAX - result.replayed - kept.length),
      );
      if (letters.length === 0) break;
      for (const letter of letters) {
        const parsed = noticeMessage.safeParse(fromJsonText(letter.body));
        // A notice replayed in this call that failed again already: left for the next replay.
        if (!parsed.success || replayed.has(parsed.data.id)) {
          if (!parsed.success) result.failed++;
          kept.push(letter);
          continue;
        }
        await sender.send(NOTICES_QUEUE, [
          {
            messageId: `${parsed.data.id}/replay/${newId(deps.clock)}`,
            body: parsed.data,
            contentType: 'application/json',
          },
        ]);
        await receiver.complete(letter);
        replayed.add(parsed.data.id);
        result.replayed++;
      }
    }
  } finally {
    await Promise.all(kept.map((letter) => receiver.release(letter)));
  }
  return ok(result);
}

// Messages and events may arrive as JSON text or its UTF-8 bytes (as the Functions host hands over
// some bodies); anything else is taken as it is.
function fromJsonText(value: unknown): unknown {
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Uint8Array
        ? new TextDecoder().decode(value)
        : undefined;
  if (text === undefined) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
