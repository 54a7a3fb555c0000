// Settings are read once and checked; a wrong one is named.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';

describe('app settings', () => {
  it('default to a 7-day loan, Seoul calendar days, and no platform auth', () => {
    expect(loadConfig({})).toEqual({
      loanDays: 7,
      feeTimeZone: 'Asia/Seoul',
      auth: { appService: false, memberIdClaim: 'member_id', localSecret: undefined },
      cosmosEndpoint: undefined,
    });
  });

  it('read what is given (empty means unset, as in the portal)', () => {
    const config = loadConfig({
      LOAN_DAYS: '14',
      FEE_TIME_ZONE: 'Europe/Berlin',
      WEBSITE_AUTH_ENABLED: 'True',
      LOCAL_AUTH_SECRET: '',
      CosmosDBConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
    });
    expect(config).toMatchObject({
      loanDays: 14,
      feeTimeZone: 'Europe/Berlin',
      auth: { appService: true, localSecret: undefined },
      cosmosEndpoint: 'https://acct.documents.azure.com:443/',
    });
  });

  it.each([
    [{ LOAN_DAYS: 'seven' }, 'LOAN_DAYS'],
    [{ LOAN_DAYS: '0' }, 'LOAN_DAYS'],
    [{ FEE_TIME_ZONE: 'Seoul' }, 'FEE_TIME_ZONE'],
    [{ WEBSITE_AUTH_ENABLED: 'yes' }, 'WEBSITE_AUTH_ENABLED'],
    [{ LOCAL_AUTH_SECRET: 'short' }, 'LOCAL_AUTH_SECRET'],
  ])('%j is refused, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });
});
