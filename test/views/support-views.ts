// Reading the views through HTTP, polling (with a deadline) until they show what a test expects.
import { eventually, librarian, memberToken, type Reply, type Token } from '../rentals/support-host';

export interface MypageReply {
  memberId: string;
  name: string;
  points: number;
  feesOwed: number;
  onLoan: number;
  loans: {
    rentalId: string;
    bookId: string;
    bookTitle: string | null;
    rentedAt: string;
    dueAt: string;
    overdue: boolean;
    feeIfReturnedNow: number;
  }[];
  pending: { rentalId: string; bookId: string; bookTitle: string | null; requestedAt: string }[];
  history: {
    rentalId: string;
    status: string;
    reason?: string;
    returnedAt?: string;
    lateDays?: number;
    fee?: number;
  }[];
  holds: {
    holdId: string;
    bookId: string;
    bookTitle: string;
    status: string;
    position: number;
    readyUntil?: string;
  }[];
  updatedAt: string;
}

export interface BoardEntryReply {
  rentalId: string;
  memberId: string;
  memberName: string | null;
  bookId: string;
  bookTitle: string | null;
  status: string;
  reason?: string;
  dueAt?: string;
  overdue: boolean;
  feeIfReturnedNow: number;
}

type Api = <T>(
  method: string,
  route: string,
  options?: { token?: Token; body?: unknown },
) => Promise<Reply<T>>;

export function views(api: Api) {
  return {
    mypage: (memberId: string, token = memberToken(memberId)) =>
      api<MypageReply>('GET', `/api/members/${memberId}/mypage`, { token }),
    board: (query = '') =>
      api<{ items: BoardEntryReply[]; continuation: string | null }>('GET', `/api/rentals${query}`, {
        token: librarian,
      }),
    /** Polls mypage until `ok` holds for it. */
    async mypageWhen(memberId: string, ok: (page: MypageReply) => boolean, what: string) {
      return eventually(
        async () => {
          const reply = await api<MypageReply>('GET', `/api/members/${memberId}/mypage`, {
            token: memberToken(memberId),
          });
          return reply.status === 200 && ok(reply.body) ? reply.body : undefined;
        },
        20_000,
        what,
      );
    },
    /** Polls the board entry of one rental until `ok` holds for it. */
    async boardEntryWhen(rentalId: string, memberId: string, ok: (e: BoardEntryReply) => boolean) {
      return eventually(
        async () => {
          const reply = await api<{ items: BoardEntryReply[] }>(
            'GET',
            `/api/rentals?memberId=${memberId}&limit=100`,
            { token: librarian },
          );
          const entry = reply.body.items?.find((e) => e.rentalId === rentalId);
          return entry && ok(entry) ? entry : undefined;
        },
        20_000,
        `board entry of ${rentalId}`,
      );
    },
  };
}
