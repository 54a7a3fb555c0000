// Settings are read once and checked; a wrong one is named.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';

describe('app settings', () => {
  it('default to a 7-day loan, Seoul calendar days, and no platform auth', () => {
    expect(loadConfig({})).toEqual({
      loanDays: 7,
      feeTimeZone: 'Asia/Seoul',
      maxLoans: 5,
      feeBlockThreshold: 2000,
      maxRenewals: 2,
      holdDays: 3,
      holdsExpirySchedule: '0 0 * * * *',
      overdueSchedule: '0 0 * * * *',
      overdueReminderDays: 3,
      noticeWebhookUrl: undefined,
      auth: { appService: false, memberIdClaim: 'member_id', localSecret: undefined },
      azure: { cosmos: undefined, eventHubs: undefined, serviceBus: undefined },
    });
  });

  it('read what is given (empty means unset, as in the portal)', () => {
    const config = loadConfig({
      LOAN_DAYS: '14',
      FEE_TIME_ZONE: 'Europe/Berlin',
      OVERDUE_SCHEDULE: '0 30 9 * * *',
      OVERDUE_REMINDER_DAYS: '5',
      NOTICE_WEBHOOK_URL: 'https://hooks.example.org/notices',
      WEBSITE_AUTH_ENABLED: 'True',
      LOCAL_AUTH_SECRET: '',
      CosmosDBConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
    });
    expect(config).toMatchObject({
      loanDays: 14,
      feeTimeZone: 'Europe/Berlin',
      overdueSchedule: '0 30 9 * * *',
      overdueReminderDays: 5,
      noticeWebhookUrl: 'https://hooks.example.org/notices',
      auth: { appService: true, localSecret: undefined },
      azure: {
        cosmos: {
          kind: 'identity',
          endpoint: 'https://acct.documents.azure.com:443/',
          managedIdentity: false,
          clientId: undefined,
        },
      },
    });
  });

  it('read identity-based Azure connections, the Functions way', () => {
    const clientId = '3f1c2b8e-1111-4a2b-9c3d-0123456789ab';
    const { azure } = loadConfig({
      CosmosDBConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
      CosmosDBConnection__credential: 'managedidentity',
      CosmosDBConnection__clientId: clientId,
      EventHubConnection__fullyQualifiedNamespace: 'rentbook.servicebus.windows.net',
      ServiceBusConnection__fullyQualifiedNamespace: 'rentbook-sb.servicebus.windows.net',
      ServiceBusConnection__credential: 'managedidentity',
    });
    expect(azure).toEqual({
      cosmos: {
        kind: 'identity',
        endpoint: 'https://acct.documents.azure.com:443/',
        managedIdentity: true,
        clientId,
      },
      eventHubs: {
        kind: 'identity',
        endpoint: 'rentbook.servicebus.windows.net',
        managedIdentity: false,
        clientId: undefined,
      },
      serviceBus: {
        kind: 'identity',
        endpoint: 'rentbook-sb.servicebus.windows.net',
        managedIdentity: true,
        clientId: undefined,
      },
    });
  });

  it("take connection strings only for emulators on this machine (the emulators' well-known keys)", () => {
    const { azure } = loadConfig({
      CosmosDBConnection: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=ZW11bGF0b3I=',
      ServiceBusConnection:
        'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;',
    });
    expect(azure.cosmos?.kind).toBe('emulator');
    expect(azure.serviceBus?.kind).toBe('emulator');
    expect(azure.eventHubs).toBeUndefined();
  });

  it.each([
    [{ LOAN_DAYS: 'seven' }, 'LOAN_DAYS'],
    [{ LOAN_DAYS: '0' }, 'LOAN_DAYS'],
    [{ MAX_LOANS: '0' }, 'MAX_LOANS'],
    [{ MAX_RENEWALS: '-1' }, 'MAX_RENEWALS'],
    [{ MAX_RENEWALS: 'two' }, 'MAX_RENEWALS'],
    [{ MAX_LOANS: 'five' }, 'MAX_LOANS'],
    [{ FEE_BLOCK_THRESHOLD: '-1' }, 'FEE_BLOCK_THRESHOLD'],
    [{ FEE_BLOCK_THRESHOLD: '12.5' }, 'FEE_BLOCK_THRESHOLD'],
    [{ FEE_TIME_ZONE: 'Seoul' }, 'FEE_TIME_ZONE'],
    [{ OVERDUE_SCHEDULE: '0 * * * *' }, 'OVERDUE_SCHEDULE'],
    [{ OVERDUE_REMINDER_DAYS: '0' }, 'OVERDUE_REMINDER_DAYS'],
    [{ NOTICE_WEBHOOK_URL: 'hooks.example.org/notices' }, 'NOTICE_WEBHOOK_URL'],
    [{ NOTICE_WEBHOOK_URL: 'ftp://hooks.example.org/notices' }, 'NOTICE_WEBHOOK_URL'],
    [{ WEBSITE_AUTH_ENABLED: 'yes' }, 'WEBSITE_AUTH_ENABLED'],
    [{ LOCAL_AUTH_SECRET: 'short' }, 'LOCAL_AUTH_SECRET'],
    [
      { CosmosDBConnection__accountEndpoint: 'acct.documents.azure.com' },
      'CosmosDBConnection__accountEndpoint',
    ],
    [
      { CosmosDBConnection__accountEndpoint: 'http://acct.documents.azure.com/' },
      'CosmosDBConnection__accountEndpoint',
    ],
    [{ CosmosDBConnection__credential: 'managedidentity' }, 'CosmosDBConnection__accountEndpoint is missing'],
    [
      {
        CosmosDBConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
        CosmosDBConnection__credential: 'key',
      },
      'CosmosDBConnection__credential',
    ],
    [
      { CosmosDBConnection: 'AccountEndpoint=https://acct.documents.azure.com:443/;AccountKey=a2V5' },
      'CosmosDBConnection is accepted only for an emulator',
    ],
    [
      { EventHubConnection__fullyQualifiedNamespace: 'sb://x' },
      'EventHubConnection__fullyQualifiedNamespace',
    ],
    [
      {
        EventHubConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
        EventHubConnection__clientId: 'me',
      },
      'EventHubConnection__clientId',
    ],
    [
      {
        ServiceBusConnection:
          'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b',
      },
      'ServiceBusConnection is accepted only for an emulator',
    ],
  ])('%j is refused, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });
});
