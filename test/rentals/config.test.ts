// Settings are read once and checked; a wrong one is named.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';

describe('app settings', () => {
  it('default to a 7-day loan, Seoul calendar days, and local sign-in', () => {
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
      maxRentalsInFlight: 48,
      auth: { mode: 'local', localSecret: undefined },
      webSignIn: { kind: 'local' },
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
      MAX_RENTALS_IN_FLIGHT: '64',
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
      maxRentalsInFlight: 64,
      auth: { mode: 'easyauth', memberIdClaim: 'member_id' },
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

  it('choose the sign-in mode once: AUTH_MODE, else App Service Authentication when the platform has it on', () => {
    const entra = {
      AUTH_MODE: 'entra',
      AUTH_CLIENT_ID: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      AUTH_ISSUER: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/',
      AUTH_MEMBER_ID_CLAIM: 'extn.memberId',
      LOCAL_AUTH_SECRET: 'a-local-secret-of-some-length',
    };
    expect(loadConfig(entra).auth).toEqual({
      mode: 'entra',
      clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
      memberIdClaim: 'extn.memberId',
    });
    // The page signs in with Entra ID too, at the tenant's authority.
    expect(loadConfig(entra).webSignIn).toEqual({
      kind: 'entra',
      clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      authority: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47',
      memberIdClaim: 'extn.memberId',
    });
    expect(loadConfig({ WEBSITE_AUTH_ENABLED: 'true' }).webSignIn).toEqual({ kind: 'local' });
    // Entra mode even where the platform's auth is on: the mode is what the settings say.
    expect(loadConfig({ ...entra, WEBSITE_AUTH_ENABLED: 'true' }).auth.mode).toBe('entra');
    expect(loadConfig({ WEBSITE_AUTH_ENABLED: 'true' }).auth.mode).toBe('easyauth');
    expect(loadConfig({ AUTH_MODE: 'local', WEBSITE_AUTH_ENABLED: 'true' }).auth.mode).toBe('local');
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
    [{ MAX_RENTALS_IN_FLIGHT: '0' }, 'MAX_RENTALS_IN_FLIGHT'],
    [{ MAX_RENTALS_IN_FLIGHT: 'many' }, 'MAX_RENTALS_IN_FLIGHT'],
    [{ NOTICE_WEBHOOK_URL: 'ftp://hooks.example.org/notices' }, 'NOTICE_WEBHOOK_URL'],
    [{ WEBSITE_AUTH_ENABLED: 'yes' }, 'WEBSITE_AUTH_ENABLED'],
    [{ LOCAL_AUTH_SECRET: 'short' }, 'LOCAL_AUTH_SECRET'],
    [{ AUTH_MODE: 'aad' }, 'AUTH_MODE must be entra, easyauth or local'],
    [{ AUTH_MODE: 'easyauth' }, 'AUTH_MODE is easyauth but App Service Authentication is off'],
    [
      { AUTH_MODE: 'entra', AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0' },
      'AUTH_CLIENT_ID is missing',
    ],
    [
      { AUTH_MODE: 'entra', AUTH_CLIENT_ID: '6e74172b-be56-4843-9ff4-e66a39bb12e3' },
      'AUTH_ISSUER is missing',
    ],
    [{ AUTH_CLIENT_ID: 'rentbook-api' }, 'AUTH_CLIENT_ID'],
    [{ AUTH_ISSUER: 'http://login.example.org/t/v2.0' }, 'AUTH_ISSUER'],
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
