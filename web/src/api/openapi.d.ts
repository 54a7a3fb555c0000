// Generated from the API's OpenAPI document by scripts/build-web.mjs: do not edit.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The app is up */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/books": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List or search the catalog */
        get: operations["listBooks"];
        put?: never;
        /** Register a book (librarian) */
        post: operations["createBook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/books/{bookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One book with its live availability */
        get: operations["getBook"];
        put?: never;
        post?: never;
        /** Remove a book with no copy on loan (librarian) */
        delete: operations["deleteBook"];
        options?: never;
        head?: never;
        /** Edit a book (librarian) */
        patch: operations["updateBook"];
        trace?: never;
    };
    "/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List or search members by name (librarian) */
        get: operations["listMembers"];
        put?: never;
        /** Register a member (librarian) */
        post: operations["createMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A member (the member or a librarian) */
        get: operations["getMember"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/points": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deposit points (the member or a librarian) */
        post: operations["depositPoints"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/fees/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pay late fees from points (the member or a librarian)
         * @description More than is owed, or more than the points cover, is 409 (more-than-owed, insufficient-points) and changes nothing.
         */
        post: operations["payFees"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/points/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Does the balance cover an amount? (the member or a librarian) */
        get: operations["checkPoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/rentals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A member's rental history, newest first (the member or a librarian) */
        get: operations["listMemberRentals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rentals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The rental board: overdue first, then by due date (librarian) */
        get: operations["rentalBoard"];
        put?: never;
        /** Rent a book: runs the borrow saga and waits a few seconds for its outcome (the member or a librarian) */
        post: operations["rentBook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rentals/{rentalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A rental (the member or a librarian) */
        get: operations["getRental"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rentals/{rentalId}/return": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Return a rented book; a late return charges a fee (the member or a librarian) */
        post: operations["returnRental"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rentals/{rentalId}/renew": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Renew a loan: the due date moves on by the loan period (the member or a librarian)
         * @description At most MAX_RENEWALS times (409 renewal-limit); an overdue loan (409 rental-overdue), one not on loan (409 not-on-loan) or one of a book another member waits for (409 book-on-hold) cannot be renewed.
         */
        post: operations["renewRental"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/books/{bookId}/holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A book's hold queue, first in line first (librarian) */
        get: operations["listBookHolds"];
        put?: never;
        /**
         * Join the hold queue of a book with no free copy (the member or a librarian)
         * @description When a copy comes back it is kept for the first in line for HOLD_DAYS (READY). 409 when a copy is free (copy-available), when the member holds the book (already-held) or has it on loan (already-on-loan), or when the book is withdrawn (book-unavailable).
         */
        post: operations["placeHold"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/holds/{holdId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Cancel a hold; a READY hold's copy passes to the next in line (the member or a librarian) */
        delete: operations["cancelHold"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/books/{bookId}/reviews": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A book's reviews, newest first */
        get: operations["listReviews"];
        put?: never;
        /**
         * Review a book the member has returned; one review per member and book, posting again replaces it (a member)
         * @description A member who has not returned the book is refused (403 not-returned).
         */
        post: operations["postReview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reviews/{reviewId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a review (its author or a librarian) (the member or a librarian) */
        delete: operations["deleteReview"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/mypage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A member's page, from the views the change feed keeps (the member or a librarian) */
        get: operations["getMypage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/views/rebuild": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Recompute every view from the write model, in the background (librarian) */
        post: operations["rebuildViews"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/views/rebuild/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How far a views rebuild has got (librarian) */
        get: operations["getViewsRebuild"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run the changes a consumer failed on again; those that succeed are removed (librarian) */
        post: operations["replayDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/members/{memberId}/notices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A member's notices, newest first (the member or a librarian) */
        get: operations["listNotices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/notices/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Notices Service Bus dead-lettered after their deliveries failed, oldest first (librarian) */
        get: operations["listNoticeDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/notices/dead-letters/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send the dead-lettered notices again; one that got through before is delivered nothing twice (librarian) */
        post: operations["replayNoticeDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/asyncapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The AsyncAPI 3.0 document of the domain events */
        get: operations["asyncapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            /** @description A stable URN: urn:rentbook:problem:<code> */
            type: string;
            title: string;
            status: number;
            detail: string;
        };
        /** @enum {string} */
        BookStatus: "AVAILABLE" | "RENTED" | "UNAVAILABLE";
        Book: {
            id: string;
            title: string;
            author: string;
            isbn: string | null;
            /** @description Points per rental */
            price: number;
            copies: number;
            available: number;
            status: components["schemas"]["BookStatus"];
            /** @description The average of the book's reviews, kept from the change feed */
            rating: {
                /** @description null with no review */
                average: number | null;
                count: number;
            };
            etag: string;
        };
        BookPage: {
            items: components["schemas"]["Book"][];
            continuation: string | null;
        };
        NewBook: {
            title: string;
            author: string;
            /**
             * @description ISBN-10 or ISBN-13
             * @default null
             */
            isbn: string | null;
            /** @description Points per rental */
            price: number;
            copies: number;
            /** @default false */
            withdrawn: boolean;
        };
        BookEdit: {
            title?: string;
            author?: string;
            /** @description ISBN-10 or ISBN-13 */
            isbn?: string | null;
            /** @description Points per rental */
            price?: number;
            copies?: number;
            withdrawn?: boolean;
        };
        Member: {
            id: string;
            name: string;
            phone: string | null;
            points: number;
            /** @description Late fees owed, KRW */
            feesOwed: number;
        };
        NewMember: {
            name: string;
            /**
             * @description Digits with optional +, spaces, dashes and parentheses
             * @default null
             */
            phone: string | null;
        };
        MemberPage: {
            items: components["schemas"]["Member"][];
            continuation: string | null;
        };
        Balance: {
            memberId: string;
            points: number;
        };
        Deposit: {
            amount: number;
        };
        FeesBalance: {
            memberId: string;
            feesOwed: number;
            points: number;
        };
        FeePayment: {
            /** @description KRW, paid with as many points */
            amount: number;
        };
        PointsCheck: {
            memberId: string;
            points: number;
            amount: number;
            sufficient: boolean;
        };
        /** @enum {string} */
        RentalStatus: "REQUESTED" | "APPROVED" | "REJECTED" | "OVERDUE" | "RETURNED";
        Rental: {
            id: string;
            memberId: string;
            bookId: string;
            bookTitle: string | null;
            /** @description Points per rental */
            price: number;
            status: components["schemas"]["RentalStatus"];
            /** @enum {string} */
            reason?: "BOOK_RENTED" | "BOOK_UNAVAILABLE" | "INSUFFICIENT_POINTS" | "MEMBER_NOT_FOUND" | "BOOK_NOT_FOUND" | "FEES_OUTSTANDING" | "LOAN_LIMIT" | "ALREADY_ON_LOAN" | "BOOK_ON_HOLD" | "PROCESSING_FAILED";
            /** Format: date-time */
            requestedAt: string;
            /** Format: date-time */
            approvedAt?: string;
            /** Format: date-time */
            dueAt?: string;
            /** Format: date-time */
            returnedAt?: string;
            lateDays?: number;
            /** @description Late fee charged at return, KRW */
            fee?: number;
            /** @description Times the loan was renewed */
            renewals?: number;
        };
        RentalPage: {
            items: components["schemas"]["Rental"][];
            continuation: string | null;
        };
        RentalRequest: {
            /** Format: uuid */
            bookId: string;
            /**
             * Format: uuid
             * @description A librarian renting for a member; a member's own id otherwise
             */
            memberId?: string;
        };
        /** @enum {string} */
        HoldStatus: "WAITING" | "READY" | "FULFILLED" | "CANCELLED" | "EXPIRED";
        Hold: {
            id: string;
            bookId: string;
            memberId: string;
            status: components["schemas"]["HoldStatus"];
            /** @description WAITING: 1 for the next copy, 2 after that, ...; READY: 0; ended: null */
            position: number | null;
            /** Format: date-time */
            placedAt: string;
            /**
             * Format: date-time
             * @description READY: the copy is kept until then
             */
            readyUntil?: string;
        };
        /** @default {} */
        HoldRequest: {
            /** @description A librarian placing a hold for a member; a member's own id otherwise */
            memberId?: string;
        };
        HoldQueue: {
            bookId: string;
            /** @description First in line first */
            items: components["schemas"]["Hold"][];
        };
        Review: {
            id: string;
            bookId: string;
            memberId: string;
            rating: number;
            text: string;
            /** Format: date-time */
            postedAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ReviewRequest: {
            rating: number;
            text: string;
        };
        ReviewPage: {
            items: components["schemas"]["Review"][];
            continuation: string | null;
        };
        Mypage: {
            memberId: string;
            name: string;
            points: number;
            feesOwed: number;
            onLoan: number;
            loans: {
                rentalId: string;
                bookId: string;
                bookTitle: string | null;
                /** Format: date-time */
                rentedAt: string;
                /** Format: date-time */
                dueAt: string;
                overdue: boolean;
                /** @description The late fee a return now would be charged, KRW */
                feeIfReturnedNow: number;
            }[];
            pending: {
                rentalId: string;
                bookId: string;
                bookTitle: string | null;
                /** Format: date-time */
                requestedAt: string;
            }[];
            /** @description Settled rentals, newest first, the last 20 */
            history: {
                rentalId: string;
                bookId: string;
                bookTitle: string | null;
                status: components["schemas"]["RentalStatus"];
                /** @enum {string} */
                reason?: "BOOK_RENTED" | "BOOK_UNAVAILABLE" | "INSUFFICIENT_POINTS" | "MEMBER_NOT_FOUND" | "BOOK_NOT_FOUND" | "FEES_OUTSTANDING" | "LOAN_LIMIT" | "ALREADY_ON_LOAN" | "BOOK_ON_HOLD" | "PROCESSING_FAILED";
                /** Format: date-time */
                requestedAt: string;
                /** Format: date-time */
                returnedAt?: string;
                lateDays?: number;
                fee?: number;
            }[];
            /** @description Holds waiting or ready, oldest first */
            holds: {
                holdId: string;
                bookId: string;
                bookTitle: string;
                /** @enum {string} */
                status: "WAITING" | "READY";
                /** @description WAITING: 1 for the next copy, 2 after that, ...; READY: 0 */
                position: number;
                /**
                 * Format: date-time
                 * @description READY: the copy is kept until then
                 */
                readyUntil?: string;
            }[];
            /** Format: date-time */
            updatedAt: string;
        };
        BoardEntry: {
            rentalId: string;
            memberId: string;
            memberName: string | null;
            bookId: string;
            bookTitle: string | null;
            status: components["schemas"]["RentalStatus"];
            /** @enum {string} */
            reason?: "BOOK_RENTED" | "BOOK_UNAVAILABLE" | "INSUFFICIENT_POINTS" | "MEMBER_NOT_FOUND" | "BOOK_NOT_FOUND" | "FEES_OUTSTANDING" | "LOAN_LIMIT" | "ALREADY_ON_LOAN" | "BOOK_ON_HOLD" | "PROCESSING_FAILED";
            /** Format: date-time */
            requestedAt: string;
            /** Format: date-time */
            dueAt?: string;
            /** Format: date-time */
            returnedAt?: string;
            overdue: boolean;
            feeIfReturnedNow: number;
        };
        RentalBoardPage: {
            items: components["schemas"]["BoardEntry"][];
            continuation: string | null;
        };
        ViewsRebuild: {
            id: string;
            /** @enum {string} */
            status: "running" | "completed" | "failed";
            progress: {
                members: number;
                done: number;
                /** @description View items written */
                items: number;
                /** @description View items removed: nothing in the write model is behind them */
                removed: number;
            } | null;
            statusUrl?: string;
        };
        DeadLetterReplay: {
            replayed: number;
            failed: number;
        };
        /** @enum {string} */
        NoticeKind: "rental-approved" | "rental-rejected" | "rental-returned" | "due-soon" | "overdue" | "hold-ready" | "hold-expired";
        Notice: {
            id: string;
            kind: components["schemas"]["NoticeKind"];
            text: string;
            rentalId?: string;
            holdId?: string;
            bookTitle?: string;
            /** Format: date-time */
            createdAt: string;
        };
        NoticePage: {
            items: components["schemas"]["Notice"][];
            continuation: string | null;
        };
        NoticeDeadLetter: {
            messageId: string;
            /** @description The notice it carries; null when its body is not a notice */
            notice: {
                id: string;
                memberId: string;
                kind: components["schemas"]["NoticeKind"];
                text: string;
                rentalId?: string;
                holdId?: string;
                bookTitle?: string | null;
                /** Format: date-time */
                createdAt: string;
            } | null;
            /** @description Why Service Bus dead-lettered it */
            reason?: string;
            description?: string;
            deliveryCount: number;
            /** Format: date-time */
            enqueuedAt: string;
        };
        NoticeDeadLetters: {
            items: components["schemas"]["NoticeDeadLetter"][];
            continuation: string | null;
        };
    };
    responses: {
        /** @description The request is not valid: its body, query or path (RFC 9457 problem details) */
        Problem400: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:invalid-request",
                 *       "title": "Bad Request",
                 *       "status": 400,
                 *       "detail": "The request body is not valid: price: must be a whole number of points, 0 or more."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No valid sign-in (no token, a wrong or expired one) (RFC 9457 problem details) */
        Problem401: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:unauthenticated",
                 *       "title": "Unauthorized",
                 *       "status": 401,
                 *       "detail": "Sign in first."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Signed in, but not allowed to do this (RFC 9457 problem details) */
        Problem403: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:forbidden",
                 *       "title": "Forbidden",
                 *       "status": 403,
                 *       "detail": "A member may act only on the member's own data."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such resource (RFC 9457 problem details) */
        Problem404: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:book-not-found",
                 *       "title": "Not Found",
                 *       "status": 404,
                 *       "detail": "No book with that id."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The resource is not in a state that allows this (RFC 9457 problem details) */
        Problem409: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:not-on-loan",
                 *       "title": "Conflict",
                 *       "status": 409,
                 *       "detail": "The rental is not on loan."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description If-Match names an older version (RFC 9457 problem details) */
        Problem412: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:precondition-failed",
                 *       "title": "Precondition Failed",
                 *       "status": 412,
                 *       "detail": "The book changed since that version."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is larger than the host takes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 1 MB unless set); answered by the host before the function runs, with type about:blank (RFC 9457 problem details) */
        Problem413: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "about:blank",
                 *       "title": "Payload Too Large",
                 *       "status": 413,
                 *       "detail": "The request body is larger than 1048576 bytes."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body does not say it is JSON: send Content-Type: application/json (RFC 9457 problem details) */
        Problem415: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:unsupported-media-type",
                 *       "title": "Unsupported Media Type",
                 *       "status": 415,
                 *       "detail": "The request body must be JSON, sent with Content-Type: application/json; not text/plain."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The Idempotency-Key was used for another request (RFC 9457 problem details) */
        Problem422: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:idempotency-key-reused",
                 *       "title": "Unprocessable Content",
                 *       "status": 422,
                 *       "detail": "This Idempotency-Key was used for another request."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The Functions host's queue of HTTP requests is full (host.json extensions.http); answered by the host, with type about:blank. Retry after Retry-After seconds (RFC 9457 problem details) */
        Problem429: {
            headers: {
                /** @description Seconds to wait before trying again */
                "Retry-After": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "about:blank",
                 *       "title": "Too Many Requests",
                 *       "status": 429,
                 *       "detail": "Too many requests are waiting; try again shortly."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The store stayed throttled or unavailable through its retries (busy), sign-in cannot be checked now (sign-in-unavailable), or, for a rent, too many rents are in flight (overloaded; nothing recorded). Retry after Retry-After seconds (RFC 9457 problem details) */
        Problem503: {
            headers: {
                /** @description Seconds to wait before trying again */
                "Retry-After": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:rentbook:problem:busy",
                 *       "title": "Service Unavailable",
                 *       "status": 503,
                 *       "detail": "The service is busy. Try again in a moment."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
            429: components["responses"]["Problem429"];
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            429: components["responses"]["Problem429"];
        };
    };
    listBooks: {
        parameters: {
            query?: {
                q?: string;
                status?: components["schemas"]["BookStatus"];
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of books */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BookPage"];
                };
            };
            400: components["responses"]["Problem400"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    createBook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "title": "Refactoring",
                 *       "author": "Martin Fowler",
                 *       "isbn": "978-0-13-475759-9",
                 *       "price": 700,
                 *       "copies": 2
                 *     }
                 */
                "application/json": components["schemas"]["NewBook"];
            };
        };
        responses: {
            /** @description Registered */
            201: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    /** @description The book's version, for If-Match */
                    ETag: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Book"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    getBook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The book */
            200: {
                headers: {
                    /** @description The book's version, for If-Match */
                    ETag: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Book"];
                };
            };
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    deleteBook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    updateBook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: the book's etag, so an edit made on a stale copy is refused (412); without it, or with `*`, the edit applies to the book as it is */
                "If-Match"?: string;
            };
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "copies": 3
                 *     }
                 */
                "application/json": components["schemas"]["BookEdit"];
            };
        };
        responses: {
            /** @description Edited */
            200: {
                headers: {
                    /** @description The book's version, for If-Match */
                    ETag: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Book"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            412: components["responses"]["Problem412"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listMembers: {
        parameters: {
            query?: {
                q?: string;
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of members */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberPage"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    createMember: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Alex Kim",
                 *       "phone": "+82 10-1234-5678"
                 *     }
                 */
                "application/json": components["schemas"]["NewMember"];
            };
        };
        responses: {
            /** @description Registered */
            201: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    getMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    depositPoints: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a request with the same key to get the first answer again; nothing happens twice. The key is bound to its first request: with another request it is 422 idempotency-key-reused. */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": 5000
                 *     }
                 */
                "application/json": components["schemas"]["Deposit"];
            };
        };
        responses: {
            /** @description The new balance */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Balance"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            422: components["responses"]["Problem422"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    payFees: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a request with the same key to get the first answer again; nothing happens twice. The key is bound to its first request: with another request it is 422 idempotency-key-reused. */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": 500
                 *     }
                 */
                "application/json": components["schemas"]["FeePayment"];
            };
        };
        responses: {
            /** @description Fees owed and points after the payment */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeesBalance"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            422: components["responses"]["Problem422"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    checkPoints: {
        parameters: {
            query: {
                amount: number;
            };
            header?: never;
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The check */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PointsCheck"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listMemberRentals: {
        parameters: {
            query?: {
                status?: components["schemas"]["RentalStatus"];
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of rentals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RentalPage"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    rentalBoard: {
        parameters: {
            query?: {
                status?: components["schemas"]["RentalStatus"];
                overdue?: "true" | "false";
                memberId?: string;
                bookId?: string;
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the board */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RentalBoardPage"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    rentBook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a request with the same key to get the first answer again; nothing happens twice. The key is bound to its first request: with another request it is 422 idempotency-key-reused. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "bookId": "0193a1c2-7b1e-7c3d-9f00-4b5a6c7d8e9f"
                 *     }
                 */
                "application/json": components["schemas"]["RentalRequest"];
            };
        };
        responses: {
            /** @description Settled: APPROVED with dueAt, or REJECTED with reason */
            201: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Rental"];
                };
            };
            /** @description Still REQUESTED; poll the Location */
            202: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Rental"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            422: components["responses"]["Problem422"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    getRental: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The rental */
                rentalId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The rental */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Rental"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    returnRental: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The rental */
                rentalId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description RETURNED, with lateDays and fee */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Rental"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    renewRental: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The rental */
                rentalId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The loan with its new dueAt and renewals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Rental"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listBookHolds: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HoldQueue"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    placeHold: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a request with the same key to get the first answer again; nothing happens twice. The key is bound to its first request: with another request it is 422 idempotency-key-reused. */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /** @example {} */
                "application/json": components["schemas"]["HoldRequest"];
            };
        };
        responses: {
            /** @description Placed: WAITING, with its position */
            201: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hold"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            422: components["responses"]["Problem422"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    cancelHold: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The hold */
                holdId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CANCELLED */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hold"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            409: components["responses"]["Problem409"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listReviews: {
        parameters: {
            query?: {
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of reviews */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewPage"];
                };
            };
            400: components["responses"]["Problem400"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    postReview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The book */
                bookId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "rating": 5,
                 *       "text": "Clear and practical."
                 *     }
                 */
                "application/json": components["schemas"]["ReviewRequest"];
            };
        };
        responses: {
            /** @description Replaced the earlier review */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Review"];
                };
            };
            /** @description Posted */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Review"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            413: components["responses"]["Problem413"];
            415: components["responses"]["Problem415"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    deleteReview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The review */
                reviewId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    getMypage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Mypage"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    rebuildViews: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Started; poll the Location */
            202: {
                headers: {
                    /** @description The URL of the resource */
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewsRebuild"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    getViewsRebuild: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The rebuild */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its status */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewsRebuild"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    replayDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What went through */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterReplay"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listNotices: {
        parameters: {
            query?: {
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path: {
                /** @description The member */
                memberId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of notices */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NoticePage"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            404: components["responses"]["Problem404"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    listNoticeDeadLetters: {
        parameters: {
            query?: {
                limit?: number;
                continuation?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up to `limit` dead-lettered notices */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NoticeDeadLetters"];
                };
            };
            400: components["responses"]["Problem400"];
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    replayNoticeDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was sent again, and what is not a notice */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetterReplay"];
                };
            };
            401: components["responses"]["Problem401"];
            403: components["responses"]["Problem403"];
            429: components["responses"]["Problem429"];
            503: components["responses"]["Problem503"];
        };
    };
    asyncapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The AsyncAPI document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            429: components["responses"]["Problem429"];
        };
    };
}
