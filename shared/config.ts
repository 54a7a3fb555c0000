// The app's settings, read and validated once. A wrong setting stops the app at start-up with a
// message naming the setting, instead of failing on some later request.
import { z } from 'zod';
import type { RentalPolicy } from './app/ports';
import { isKnownTimeZone } from './domain/fees';
import { DEFAULT_HOLD_DAYS } from './domain/hold';
import { DEFAULT_OVERDUE_REMINDER_DAYS } from './domain/overdue';
import {
  DEFAULT_FEE_BLOCK_THRESHOLD,
  DEFAULT_LOAN_DAYS,
  DEFAULT_MAX_LOANS,
  DEFAULT_MAX_RENEWALS,
} from './domain/rental';

export interface AppConfig {
  loanDays: number;
  feeTimeZone: string;
  /** Books a member may have on loan at once. */
  maxLoans: number;
  /** Late fees owed above this (KRW) block renting. */
  feeBlockThreshold: number;
  /** Times one loan may be renewed. */
  maxRenewals: number;
  /** Days a copy is kept for a member whose hold is READY. */
  holdDays: number;
  /** When the `holds-expiry` timer runs (NCRONTAB, six fields). */
  holdsExpirySchedule: string;
  /** When the overdue timer runs: a six-field NCRONTAB expression. */
  overdueSchedule: string;
  /** Days between overdue reminders while a loan stays overdue. */
  overdueReminderDays: number;
  /** Where notices are also POSTed (JSON); undefined: the member's inbox only. */
  noticeWebhookUrl: string | undefined;
  /** Rents one instance has in flight at most; past it, new rents are refused with 503 (shared/app/admission.ts). */
  maxRentalsInFlight: number;
  auth: AuthConfig;
  /** How the web app signs people in. */
  webSignIn: WebSignIn;
  /** The Azure services configured; each one given replaces the local host's stand-in for its port. */
  azure: AzureConfig;
}

/**
 * How to reach one Azure service. In Azure: its endpoint and a Microsoft Entra identity
 * (`<Connection>__accountEndpoint` or `__fullyQualifiedNamespace`, `__credential`, `__clientId`, the
 * Functions identity convention, so triggers and SDK clients read the same settings). An emulator on
 * this machine may be given a connection string instead (`<Connection>`); a key-based connection
 * string to anything else is refused, so no key reaches Azure.
 */
export type AzureConnection =
  | {
      kind: 'identity';
      /** Cosmos DB: the account URL. Event Hubs, Service Bus: the namespace host name. */
      endpoint: string;
      /** `__credential` is `managedidentity`: that identity only (in Azure). Else the developer's sign-in chain. */
      managedIdentity: boolean;
      clientId: string | undefined;
    }
  | { kind: 'emulator'; connectionString: string };

export interface AzureConfig {
  cosmos: AzureConnection | undefined;
  eventHubs: AzureConnection | undefined;
  serviceBus: AzureConnection | undefined;
}

/**
 * How callers sign in, chosen once at start-up (`AUTH_MODE`). One mode serves every request; a
 * token or header meant for another mode is no sign-in.
 */
export type AuthConfig =
  /** Microsoft Entra ID bearer tokens, verified by the app itself with the tenant's keys. */
  | {
      mode: 'entra';
      /** The app registration's client id: tokens are for `api://<clientId>` (or the bare id, v2). */
      clientId: string;
      /** The tenant's v2.0 issuer; its OpenID metadata is at `<issuer>/.well-known/openid-configuration`. */
      issuer: string;
      /** Claim carrying a member's id. */
      memberIdClaim: string;
    }
  /**
   * App Service Authentication's `x-ms-client-principal`. Only when the platform says its auth is on
   * (`WEBSITE_AUTH_ENABLED`): otherwise anyone could send the header.
   */
  | { mode: 'easyauth'; memberIdClaim: string }
  /** Bearer tokens signed with the local secret (`npm run token`); none accepted without one. */
  | { mode: 'local'; localSecret: string | undefined };

export type AuthMode = AuthConfig['mode'];

const isLoopback = (host: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(host);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An https URL, or http on this machine (a test's stand-in). */
export function isSecureOrLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  } catch {
    return false;
  }
}

/**
 * Rents in flight at once on one instance before new ones are refused: host.json's
 * `maxOutstandingRequests` (48), so under load the host refuses first, on its front thread, before
 * a request joins the app's queue; this count still holds rents back when that limit is raised
 * (README, "Refused when overloaded").
 */
export const DEFAULT_MAX_RENTALS_IN_FLIGHT = 48;

/**
 * How the web app signs people in: with Microsoft Entra ID in the browser (the app registration
 * whose tokens the API verifies, AUTH_MODE=entra), or else with local tokens.
 */
export type WebSignIn =
  | {
      kind: 'entra';
      clientId: string;
      /** The tenant's sign-in authority (the issuer without its `/v2.0`). */
      authority: string;
      /** The claim of an Entra ID token that carries a member's id (AUTH_MEMBER_ID_CLAIM). */
      memberIdClaim: string;
    }
  | { kind: 'local' };

const settings = z.object({
  LOAN_DAYS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(365, 'must be at most 365')
    .default(DEFAULT_LOAN_DAYS),
  MAX_LOANS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of books' })
    .int('must be a whole number of books')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(DEFAULT_MAX_LOANS),
  FEE_BLOCK_THRESHOLD: z.coerce
    .number({ invalid_type_error: 'must be a whole amount in KRW' })
    .int('must be a whole amount in KRW')
    .min(0, 'must be 0 or more')
    .max(1_000_000_000, 'must be at most 1000000000')
    .default(DEFAULT_FEE_BLOCK_THRESHOLD),
  MAX_RENEWALS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of renewals' })
    .int('must be a whole number of renewals')
    .min(0, 'must be 0 or more')
    .max(100, 'must be at most 100')
    .default(DEFAULT_MAX_RENEWALS),
  HOLD_DAYS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(60, 'must be at most 60')
    .default(DEFAULT_HOLD_DAYS),
  HOLDS_EXPIRY_SCHEDULE: z
    .string()
    .regex(/^\S+( \S+){5}$/, 'must be an NCRONTAB expression of six fields, such as 0 0 * * * *')
    .default('0 0 * * * *'),
  OVERDUE_SCHEDULE: z
    .string()
    .regex(
      /^\S+( \S+){5}$/,
      'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})',
    )
    .default('0 0 * * * *'),
  OVERDUE_REMINDER_DAYS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(365, 'must be at most 365')
    .default(DEFAULT_OVERDUE_REMINDER_DAYS),
  MAX_RENTALS_IN_FLIGHT: z.coerce
    .number({ invalid_type_error: 'must be a whole number of rents' })
    .int('must be a whole number of rents')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .default(DEFAULT_MAX_RENTALS_IN_FLIGHT),
  NOTICE_WEBHOOK_URL: z
    .string()
    .url('must be an http(s) URL')
    .refine((v) => /^https?:\/\//i.test(v), 'must be an http(s) URL')
    .optional(),
  FEE_TIME_ZONE: z
    .string()
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Asia/Seoul')
    .default('Asia/Seoul'),
  WEBSITE_AUTH_ENABLED: z
    .string()
    .regex(/^(true|false)$/i, 'must be true or false')
    .transform((v) => v.toLowerCase() === 'true')
    .default('false'),
  AUTH_MODE: z
    .enum(['entra', 'easyauth', 'local'], {
      errorMap: () => ({ message: 'must be entra, easyauth or local' }),
    })
    .optional(),
  AUTH_CLIENT_ID: z.string().regex(GUID, "must be the app registration's client id (a GUID)").optional(),
  AUTH_ISSUER: z
    .string()
    .refine(
      isSecureOrLoopbackUrl,
      "must be the tenant's token issuer, https://login.microsoftonline.com/<tenant id>/v2.0",
    )
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  AUTH_MEMBER_ID_CLAIM: z.string().min(1, 'must name a claim').default('member_id'),
  LOCAL_AUTH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** `A=1;B=2` connection strings, keys case-insensitive (as the SDKs read them). */
function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

interface ConnectionRule {
  /** `CosmosDBConnection`, `EventHubConnection`, `ServiceBusConnection`. */
  prefix: string;
  /** `accountEndpoint` or `fullyQualifiedNamespace`. */
  endpointSetting: string;
  /** Undefined when the value is a valid endpoint; else what is wrong. */
  checkEndpoint(value: string): string | undefined;
  /** Undefined when the connection string names an emulator on this machine; else what is wrong. */
  checkEmulator(parts: Map<string, string>): string | undefined;
}

const cosmosRule: ConnectionRule = {
  prefix: 'CosmosDBConnection',
  endpointSetting: 'accountEndpoint',
  checkEndpoint: (value) =>
    isSecureOrLoopbackUrl(value)
      ? undefined
      : 'must be the account URL (https://<account>.documents.azure.com:443/)',
  checkEmulator(parts) {
    try {
      if (isLoopback(new URL(parts.get('accountendpoint') ?? '').hostname) && parts.has('accountkey')) return;
    } catch {
      // reported below
    }
    return (
      'is accepted only for an emulator on this machine (AccountEndpoint=http://127.0.0.1:<port>/;' +
      'AccountKey=<the emulator key>); in Azure use CosmosDBConnection__accountEndpoint'
    );
  },
};

const amqpRule = (prefix: string): ConnectionRule => ({
  prefix,
  endpointSetting: 'fullyQualifiedNamespace',
  checkEndpoint: (value) =>
    /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(value) && value.includes('.')
      ? undefined
      : 'must be the namespace host name (<namespace>.servicebus.windows.net)',
  checkEmulator: (parts) =>
    parts.get('usedevelopmentemulator')?.toLowerCase() === 'true' && parts.has('endpoint')
      ? undefined
      : `is accepted only for an emulator (Endpoint=sb://127.0.0.1:<port>;...;UseDevelopmentEmulator=true); in Azure use ${prefix}__fullyQualifiedNamespace`,
});

/** Reads one service's connection settings; undefined when none is given. Problems go to `problems`. */
function readConnection(
  env: Readonly<Record<string, string>>,
  rule: ConnectionRule,
  problems: string[],
): AzureConnection | undefined {
  const name = (suffix: string) => `${rule.prefix}__${suffix}`;
  const endpoint = env[name(rule.endpointSetting)];
  const credential = env[name('credential')];
  const clientId = env[name('clientId')];
  const connectionString = env[rule.prefix];
  if (credential !== undefined && credential.toLowerCase() !== 'managedidentity')
    problems.push(`${name('credential')} must be managedidentity (or unset)`);
  if (clientId !== undefined && !GUID.test(clientId))
    problems.push(`${name('clientId')} must be the identity's client id (a GUID)`);
  if (connectionString !== undefined) {
    if (endpoint !== undefined) {
      problems.push(`${rule.prefix} and ${name(rule.endpointSetting)} are both set; give one`);
      return undefined;
    }
    const wrong = rule.checkEmulator(connectionStringParts(connectionString));
    if (wrong) problems.push(`${rule.prefix} ${wrong}`);
    return wrong ? undefined : { kind: 'emulator', connectionString };
  }
  if (endpoint === undefined) {
    if (credential !== undefined || clientId !== undefined)
      problems.push(`${name(rule.endpointSetting)} is missing (${rule.prefix} settings are given)`);
    return undefined;
  }
  const wrong = rule.checkEndpoint(endpoint);
  if (wrong) {
    problems.push(`${name(rule.endpointSetting)} ${wrong}`);
    return undefined;
  }
  return {
    kind: 'identity',
    endpoint,
    managedIdentity: credential?.toLowerCase() === 'managedidentity',
    clientId,
  };
}

/** Reads the settings from `env` (app settings are environment variables in Azure and locally). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  // An empty setting means "not set", as in the Azure portal.
  const given = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const parsed = settings.safeParse(given);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
  const azure: AzureConfig = {
    cosmos: readConnection(given, cosmosRule, problems),
    eventHubs: readConnection(given, amqpRule('EventHubConnection'), problems),
    serviceBus: readConnection(given, amqpRule('ServiceBusConnection'), problems),
  };
  if (!parsed.success || problems.length > 0) throw new Error(`Invalid app settings: ${problems.join('; ')}`);
  const s = parsed.data;
  const auth = readAuth(s, problems);
  if (problems.length > 0) throw new Error(`Invalid app settings: ${problems.join('; ')}`);
  return {
    loanDays: s.LOAN_DAYS,
    feeTimeZone: s.FEE_TIME_ZONE,
    maxLoans: s.MAX_LOANS,
    feeBlockThreshold: s.FEE_BLOCK_THRESHOLD,
    maxRenewals: s.MAX_RENEWALS,
    holdDays: s.HOLD_DAYS,
    holdsExpirySchedule: s.HOLDS_EXPIRY_SCHEDULE,
    overdueSchedule: s.OVERDUE_SCHEDULE,
    overdueReminderDays: s.OVERDUE_REMINDER_DAYS,
    noticeWebhookUrl: s.NOTICE_WEBHOOK_URL,
    maxRentalsInFlight: s.MAX_RENTALS_IN_FLIGHT,
    auth,
    // The page signs people in the way the API verifies them: with Entra ID in the browser when
    // the API takes Entra ID tokens, else with local tokens.
    webSignIn:
      auth.mode === 'entra'
        ? {
            kind: 'entra',
            clientId: auth.clientId,
            authority: auth.issuer.replace(/\/v2\.0$/, ''),
            memberIdClaim: auth.memberIdClaim,
          }
        : { kind: 'local' },
    azure,
  };
}

/**
 * The sign-in mode and what it needs. Without `AUTH_MODE`: App Service Authentication when the
 * platform has it on, else local tokens.
 */
function readAuth(s: z.output<typeof settings>, problems: string[]): AuthConfig {
  const mode = s.AUTH_MODE ?? (s.WEBSITE_AUTH_ENABLED ? 'easyauth' : 'local');
  switch (mode) {
    case 'entra': {
      if (s.AUTH_CLIENT_ID === undefined) problems.push('AUTH_CLIENT_ID is missing (AUTH_MODE is entra)');
      if (s.AUTH_ISSUER === undefined) problems.push('AUTH_ISSUER is missing (AUTH_MODE is entra)');
      return {
        mode,
        clientId: s.AUTH_CLIENT_ID ?? '',
        issuer: s.AUTH_ISSUER ?? '',
        memberIdClaim: s.AUTH_MEMBER_ID_CLAIM,
      };
    }
    case 'easyauth':
      if (!s.WEBSITE_AUTH_ENABLED)
        problems.push(
          'AUTH_MODE is easyauth but App Service Authentication is off (WEBSITE_AUTH_ENABLED is not true): ' +
            'anyone could send x-ms-client-principal',
        );
      return { mode, memberIdClaim: s.AUTH_MEMBER_ID_CLAIM };
    case 'local':
      return { mode, localSecret: s.LOCAL_AUTH_SECRET };
  }
}

/** The settings the use cases follow (`AppDeps.policy`). */
export function rentalPolicy(config: AppConfig): RentalPolicy {
  return {
    loanDays: config.loanDays,
    feeTimeZone: config.feeTimeZone,
    maxLoans: config.maxLoans,
    feeBlockThreshold: config.feeBlockThreshold,
    maxRenewals: config.maxRenewals,
    holdDays: config.holdDays,
    overdueReminderDays: config.overdueReminderDays,
  };
}
