// The app's settings, read and validated once. A wrong setting stops the app at start-up with a
// message naming the setting, instead of failing on some later request.
import { z } from 'zod';
import { isKnownTimeZone } from './domain/fees';
import { DEFAULT_LOAN_DAYS } from './domain/rental';

export interface AppConfig {
  loanDays: number;
  feeTimeZone: string;
  auth: AuthConfig;
  /** Cosmos DB settings given (the Azure adapter is chosen when not under the local host). */
  cosmosEndpoint: string | undefined;
}

export interface AuthConfig {
  /**
   * Trust `x-ms-client-principal` (App Service Authentication). Only when the platform says its
   * auth is on (`WEBSITE_AUTH_ENABLED`): otherwise anyone could send the header.
   */
  appService: boolean;
  /** Claim carrying a member's id in the App Service principal. */
  memberIdClaim: string;
  /** Secret for local bearer tokens (`npm run token`); undefined: local tokens are refused. */
  localSecret: string | undefined;
}

const settings = z.object({
  LOAN_DAYS: z.coerce
    .number({ invalid_type_error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(365, 'must be at most 365')
    .default(DEFAULT_LOAN_DAYS),
  FEE_TIME_ZONE: z
    .string()
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Asia/Seoul')
    .default('Asia/Seoul'),
  WEBSITE_AUTH_ENABLED: z
    .string()
    .regex(/^(true|false)$/i, 'must be true or false')
    .transform((v) => v.toLowerCase() === 'true')
    .default('false'),
  AUTH_MEMBER_ID_CLAIM: z.string().min(1, 'must name a claim').default('member_id'),
  LOCAL_AUTH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CosmosDBConnection__accountEndpoint: z.string().url('must be the account URL').optional(),
});

/** Reads the settings from `env` (app settings are environment variables in Azure and locally). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  // An empty setting means "not set", as in the Azure portal.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = settings.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new Error(`Invalid app settings: ${problems}`);
  }
  const s = parsed.data;
  return {
    loanDays: s.LOAN_DAYS,
    feeTimeZone: s.FEE_TIME_ZONE,
    auth: {
      appService: s.WEBSITE_AUTH_ENABLED,
      memberIdClaim: s.AUTH_MEMBER_ID_CLAIM,
      localSecret: s.LOCAL_AUTH_SECRET,
    },
    cosmosEndpoint: s.CosmosDBConnection__accountEndpoint,
  };
}
