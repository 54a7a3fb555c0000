// Cross-checks the compiled deployment (ARM JSON evaluated by ./arm) against what the code needs
// (./code-needs): every setting the code and host.json read is an app setting of the Function App;
// every container, hub, consumer group and queue the code names is declared (containers with the
// code's partition key); every SDK and trigger the code uses has its role for the app's identity;
// nothing holds a key or a secret. Returns the problems found; none means the deployment fits.
import { isSymbolic, type DeployedResource, type Evaluation, type Value } from './arm';
import type { Binding, CodeNeeds } from './code-needs';

/** Azure built-in roles (Microsoft's list of built-in role definitions). */
export const ROLES = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  eventHubsDataOwner: 'f526a384-b230-433a-b45c-95f59c4a2dec',
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975',
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde',
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419',
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402',
} as const;
/** What Event Hubs Capture's identity needs on its storage account. */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
/** Cosmos DB data plane (a SQL role definition of the account, not Azure RBAC). */
export const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

type RoleName = keyof typeof ROLES;

/** Settings App Service sets itself; the code may read them, the template must not set them. */
const PLATFORM_SETTING = /^WEBSITE_/;
/** Settings of the local host only; in Azure they would be a secret (LOCAL_AUTH_SECRET) or meaningless. */
const LOCAL_SETTING = /^LOCAL_/;
/** Flex Consumption rejects these: the runtime comes from functionAppConfig. */
const FLEX_FORBIDDEN = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
];

const KEY_PATTERNS = [
  /\blist(Keys|ConnectionStrings|AccountSas|ServiceSas|Secrets|Credentials?|AuthKeys)\s*\(/i,
  /AccountKey=/i,
  /SharedAccessKey/i,
  /SharedAccessSignature/i,
  /primary(Master)?Key/i,
  /"type":\s*"secure(string|object)"/i,
];

const lc = (s: string): string => s.toLowerCase();

function obj(v: Value | undefined): Record<string, Value> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function get(v: Value | undefined, ...keys: string[]): Value | undefined {
  let cur = v;
  for (const k of keys) {
    const o = obj(cur);
    const found = Object.keys(o).find((x) => lc(x) === lc(k));
    if (found === undefined) return undefined;
    cur = o[found];
  }
  return cur;
}

/** `%NAME%` in a binding or host.json value names an app setting. */
function settingReference(v: unknown): string | undefined {
  return typeof v === 'string' ? /^%(.+)%$/.exec(v)?.[1] : undefined;
}

export interface CheckInput {
  evaluation: Evaluation;
  /** The compiled template as text, for the key scan. */
  templateText: string;
  needs: CodeNeeds;
}

export function crossCheck({ evaluation, templateText, needs }: CheckInput): string[] {
  const problems: string[] = [];
  const all = evaluation.resources;
  const deployed = all.filter((r) => r.deployed === true);
  const ofType = (type: string): DeployedResource[] => deployed.filter((r) => lc(r.type) === lc(type));
  const byId = (id: string): DeployedResource | undefined => deployed.find((r) => r.id === id);

  // ---- the Function App, its identity and settings ----
  const sites = ofType('Microsoft.Web/sites').filter((s) =>
    String(s.body.kind ?? '').includes('functionapp'),
  );
  if (sites.length !== 1)
    return [`expected one Function App (Microsoft.Web/sites, kind functionapp), found ${sites.length}`];
  const site = sites[0];
  const identityIds = Object.keys(obj(get(site.body, 'identity', 'userAssignedIdentities')));
  if (
    identityIds.length !== 1 ||
    !ofType('Microsoft.ManagedIdentity/userAssignedIdentities').some((i) => i.id === identityIds[0])
  ) {
    return [
      `the Function App must run as exactly one user-assigned identity declared in the template (found ${identityIds.join(', ') || 'none'})`,
    ];
  }
  const identityId = identityIds[0];
  const principalId = `⟨reference(${identityId}).principalId⟩`;
  const clientId = `⟨reference(${identityId}).clientId⟩`;

  const siteConfigs = ofType('Microsoft.Web/sites/config').filter((c) => c.name.startsWith(`${site.name}/`));
  const appSettings: Record<string, Value> = {
    ...obj(get(siteConfigs.find((c) => lc(c.name).endsWith('/appsettings'))?.body, 'properties')),
  };
  for (const s of (get(site.body, 'properties', 'siteConfig', 'appSettings') as Value[] | undefined) ?? []) {
    appSettings[String(get(s, 'name'))] = get(s, 'value') ?? null;
  }
  const setting = (name: string): Value | undefined => appSettings[name];

  const plan = ofType('Microsoft.Web/serverfarms').find(
    (p) => p.id === get(site.body, 'properties', 'serverFarmId'),
  );
  if (get(plan?.body, 'sku', 'name') !== 'FC1')
    problems.push('the Function App must be on a Flex Consumption plan (sku FC1)');
  const runtime = get(site.body, 'properties', 'functionAppConfig', 'runtime');
  if (get(runtime, 'name') !== 'node') problems.push('functionAppConfig.runtime.name must be node');
  const deploymentAuth = get(
    site.body,
    'properties',
    'functionAppConfig',
    'deployment',
    'storage',
    'authentication',
  );
  if (
    get(deploymentAuth, 'type') !== 'UserAssignedIdentity' ||
    get(deploymentAuth, 'userAssignedIdentityResourceId') !== identityId
  ) {
    problems.push("the deployment package container must be read with the app's user-assigned identity");
  }
  for (const name of FLEX_FORBIDDEN)
    if (name in appSettings) problems.push(`app setting ${name} must not be set on Flex Consumption`);

  // ---- settings the code and host.json read ----
  const required = new Map<string, string>();
  for (const [name, where] of needs.settings) required.set(name, where);
  const durable = needs.bindings.some((b) =>
    /^(orchestrationTrigger|activityTrigger|entityTrigger|durableClient)$/i.test(b.type),
  );
  const durableConfig = obj(get(needs.hostJson as Value, 'extensions', 'durableTask'));
  const provider = obj(get(durableConfig, 'storageProvider'));
  for (const v of [get(durableConfig, 'hubName')]) {
    const ref = settingReference(v);
    if (ref) required.set(ref, 'host.json extensions.durableTask.hubName');
  }
  const dtsSetting =
    lc(String(get(provider, 'type') ?? '')) === 'azuremanaged'
      ? String(get(provider, 'connectionStringName') ?? '')
      : '';
  if (dtsSetting)
    required.set(dtsSetting, 'host.json extensions.durableTask.storageProvider.connectionStringName');
  // Every function needs the host's storage; identity-based, so endpoints + credential + client id.
  for (const s of ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId']) {
    required.set(`AzureWebJobsStorage__${s}`, 'the Functions host (AzureWebJobsStorage)');
  }
  required.set('APPLICATIONINSIGHTS_CONNECTION_STRING', 'the Functions host (telemetry)');
  required.set(
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    'the Functions host (telemetry without local auth)',
  );
  // Bindings: %SETTING% values and identity-based connections.
  const connectionSuffix = (b: Binding): string | undefined =>
    /^cosmosDB/i.test(b.type)
      ? 'accountEndpoint'
      : /^(eventHub|serviceBus)/i.test(b.type)
        ? 'fullyQualifiedNamespace'
        : undefined;
  for (const b of needs.bindings) {
    for (const [k, v] of Object.entries(b)) {
      const ref = settingReference(v);
      if (ref) required.set(ref, `function ${b.function}, binding ${b.name}.${k}`);
    }
    const suffix = connectionSuffix(b);
    if (suffix) {
      const conn = typeof b.connection === 'string' && b.connection ? b.connection : undefined;
      if (!conn) problems.push(`function ${b.function}: its ${b.type} binding names no connection`);
      else required.set(`${conn}__${suffix}`, `function ${b.function}, binding ${b.name}.connection`);
    }
  }
  // An identity-based connection is the service address plus the identity to use.
  for (const [name, where] of [...required]) {
    const m =
      /^(.+)__(accountEndpoint|fullyQualifiedNamespace|blobServiceUri|queueServiceUri|tableServiceUri|serviceUri)$/.exec(
        name,
      );
    if (m) {
      required.set(`${m[1]}__credential`, where);
      required.set(`${m[1]}__clientId`, where);
    }
  }

  const identityForm = (name: string): boolean =>
    ['accountEndpoint', 'fullyQualifiedNamespace', 'blobServiceUri', 'serviceUri'].some((s) =>
      required.has(`${name}__${s}`),
    );
  for (const [name, where] of required) {
    if (PLATFORM_SETTING.test(name)) continue;
    // `CosmosDBConnection` beside `CosmosDBConnection__accountEndpoint`: the connection-string form,
    // which would carry a key; the identity-based settings stand in for it.
    if (identityForm(name)) {
      if (name in appSettings)
        problems.push(
          `app setting ${name} is a connection string; use the identity-based ${name}__… settings`,
        );
      continue;
    }
    if (LOCAL_SETTING.test(name)) {
      if (name in appSettings)
        problems.push(`app setting ${name} is for the local host only and must not be set in Azure`);
      continue;
    }
    if (!(name in appSettings))
      problems.push(`app setting ${name} (read by ${where}) is not set on the Function App`);
  }
  for (const [name, value] of Object.entries(appSettings)) {
    if (name.endsWith('__credential') && value !== 'managedidentity')
      problems.push(`app setting ${name} must be managedidentity`);
    if (name.endsWith('__clientId') && value !== clientId)
      problems.push(`app setting ${name} must be the client id of the app's identity`);
  }
  if (setting('APPLICATIONINSIGHTS_AUTHENTICATION_STRING') !== `ClientId=${clientId};Authorization=AAD`) {
    problems.push(
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be ClientId=<the app identity's client id>;Authorization=AAD",
    );
  }

  // WEBSITE_AUTH_ENABLED is the platform's: it is true when App Service Authentication is on.
  if (needs.settings.has('WEBSITE_AUTH_ENABLED')) {
    const auth = siteConfigs.find((c) => lc(c.name).endsWith('/authsettingsv2'));
    if (get(auth?.body, 'properties', 'platform', 'enabled') !== true) {
      problems.push(
        'the code trusts App Service Authentication (WEBSITE_AUTH_ENABLED): authsettingsV2 must be enabled',
      );
    } else if (
      get(auth?.body, 'properties', 'identityProviders', 'azureActiveDirectory', 'enabled') !== true
    ) {
      problems.push('App Service Authentication must use Entra ID (identityProviders.azureActiveDirectory)');
    }
  }

  // ---- which resource a setting points at ----
  /** The deployed resource of `type` whose id the setting's value is derived from. */
  const resourceOfSetting = (name: string, type: string): DeployedResource | undefined => {
    const value = setting(name);
    if (typeof value !== 'string') return undefined;
    return ofType(type).find((r) => value.includes(`reference(${r.id})`));
  };

  // ---- roles ----
  const assignments = ofType('Microsoft.Authorization/roleAssignments').filter(
    (a) => get(a.body, 'properties', 'principalId') === principalId,
  );
  const hasRole = (role: RoleName, target: DeployedResource, alternatives: RoleName[] = []): boolean =>
    assignments.some((a) => {
      const scope = String(get(a.body, 'scope') ?? '');
      const roleId = String(get(a.body, 'properties', 'roleDefinitionId') ?? '');
      const covers = target.id === scope || target.id.startsWith(`${scope}/`);
      return covers && [role, ...alternatives].some((r) => roleId.endsWith(`/roleDefinitions/${ROLES[r]}`));
    });
  const needRole = (
    role: RoleName,
    target: DeployedResource | undefined,
    why: string,
    alternatives: RoleName[] = [],
  ): void => {
    if (!target) return;
    if (!hasRole(role, target, alternatives))
      problems.push(
        `role ${role} (${ROLES[role]}) on ${target.type} for the app's identity is missing (needed by ${why})`,
      );
  };
  const needResource = (settingName: string, type: string): DeployedResource | undefined => {
    if (!(settingName in appSettings)) return undefined; // reported above
    const r = resourceOfSetting(settingName, type);
    if (!r) problems.push(`app setting ${settingName} does not point at a ${type} declared in the template`);
    return r;
  };

  const storage = needResource('AzureWebJobsStorage__blobServiceUri', 'Microsoft.Storage/storageAccounts');
  needRole('storageBlobDataOwner', storage, 'the Functions host and the deployment package');
  needRole('storageQueueDataContributor', storage, 'the Functions host');
  needRole('storageTableDataContributor', storage, 'the Functions host');
  needRole(
    'monitoringMetricsPublisher',
    needResource('APPLICATIONINSIGHTS_CONNECTION_STRING', 'Microsoft.Insights/components'),
    'telemetry with local auth off',
  );

  if (durable && dtsSetting) {
    const scheduler = needResource(dtsSetting, 'Microsoft.DurableTask/schedulers');
    needRole('durableTaskDataContributor', scheduler, 'the Durable Functions orchestrations');
    const conn = setting(dtsSetting);
    if (
      typeof conn === 'string' &&
      !(conn.includes('Authentication=ManagedIdentity') && conn.includes(`ClientID=${clientId}`))
    ) {
      problems.push(
        `${dtsSetting} must authenticate with the app's managed identity (Authentication=ManagedIdentity;ClientID=<its client id>)`,
      );
    }
    const hubName = get(durableConfig, 'hubName');
    const hubRef = settingReference(hubName);
    const hub = hubRef ? setting(hubRef) : hubName;
    if (
      scheduler &&
      !ofType('Microsoft.DurableTask/schedulers/taskHubs').some(
        (h) => h.name === `${scheduler.name}/${String(hub)}`,
      )
    ) {
      problems.push(
        `task hub ${String(hub)} (host.json durableTask.hubName) is not declared on the Durable Task Scheduler`,
      );
    }
  }

  // Connections the code uses, through bindings or SDK clients: what each needs to do.
  const uses = new Map<
    string,
    { kind: 'cosmos' | 'eventHubs' | 'serviceBus'; send: string[]; receive: string[] }
  >();
  const use = (
    conn: string,
    kind: 'cosmos' | 'eventHubs' | 'serviceBus',
    direction: 'send' | 'receive',
    why: string,
  ): void => {
    const u = uses.get(conn) ?? { kind, send: [], receive: [] };
    u[direction].push(why);
    uses.set(conn, u);
  };
  for (const b of needs.bindings) {
    if (typeof b.connection !== 'string') continue;
    const kind = /^cosmosDB/i.test(b.type)
      ? 'cosmos'
      : /^eventHub/i.test(b.type)
        ? 'eventHubs'
        : /^serviceBus/i.test(b.type)
          ? 'serviceBus'
          : undefined;
    if (kind) use(b.connection, kind, b.direction === 'out' ? 'send' : 'receive', `function ${b.function}`);
  }
  const connectionsOf = (suffix: string, type: string): string[] =>
    Object.keys(appSettings)
      .filter((n) => n.endsWith(`__${suffix}`) && resourceOfSetting(n, type))
      .map((n) => n.slice(0, -`__${suffix}`.length));
  for (const [kind, where] of needs.sdk) {
    const [service, direction] = kind.split(':') as [
      'cosmos' | 'eventHubs' | 'serviceBus',
      'send' | 'receive' | undefined,
    ];
    const [suffix, type] =
      service === 'cosmos'
        ? ['accountEndpoint', 'Microsoft.DocumentDB/databaseAccounts']
        : service === 'eventHubs'
          ? ['fullyQualifiedNamespace', 'Microsoft.EventHub/namespaces']
          : ['fullyQualifiedNamespace', 'Microsoft.ServiceBus/namespaces'];
    const conns = connectionsOf(suffix, type);
    if (!conns.length)
      problems.push(
        `the code creates an Azure SDK client for ${service} (${where}) but no app setting points at such a resource`,
      );
    for (const c of conns) use(c, service, direction ?? 'send', where);
  }
  // A service address the code reads itself is there to create an SDK client for it: a Cosmos
  // client reads and writes; an Event Hubs or Service Bus one sends (receiving is the triggers' job,
  // through bindings, unless the code creates a receiver).
  for (const [name, where] of needs.settings) {
    const m = /^(.+)__(accountEndpoint|fullyQualifiedNamespace)$/.exec(name);
    if (!m || !(name in appSettings)) continue;
    if (m[2] === 'accountEndpoint') use(m[1], 'cosmos', 'send', where);
    else if (resourceOfSetting(name, 'Microsoft.EventHub/namespaces')) use(m[1], 'eventHubs', 'send', where);
    else if (resourceOfSetting(name, 'Microsoft.ServiceBus/namespaces'))
      use(m[1], 'serviceBus', 'send', where);
  }
  for (const [hub, where] of needs.publishedHubs)
    for (const c of connectionsOf('fullyQualifiedNamespace', 'Microsoft.EventHub/namespaces'))
      use(c, 'eventHubs', 'send', `${where} (hub ${hub})`);
  for (const [queue, where] of needs.sentQueues)
    for (const c of connectionsOf('fullyQualifiedNamespace', 'Microsoft.ServiceBus/namespaces'))
      use(c, 'serviceBus', 'send', `${where} (queue ${queue})`);

  const namespaces = new Map<string, DeployedResource>();
  for (const [conn, u] of uses) {
    if (u.kind === 'cosmos') {
      const account = needResource(`${conn}__accountEndpoint`, 'Microsoft.DocumentDB/databaseAccounts');
      if (!account) continue;
      const granted = ofType('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').some(
        (a) =>
          a.name.startsWith(`${account.name}/`) &&
          get(a.body, 'properties', 'principalId') === principalId &&
          String(get(a.body, 'properties', 'roleDefinitionId')).endsWith(
            `/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}`,
          ) &&
          account.id.startsWith(String(get(a.body, 'properties', 'scope'))),
      );
      if (!granted)
        problems.push(
          `Cosmos DB Built-in Data Contributor (sqlRoleAssignments, ${COSMOS_DATA_CONTRIBUTOR}) for the app's identity is missing (needed by ${[...u.send, ...u.receive].join(', ')})`,
        );
      continue;
    }
    const type = u.kind === 'eventHubs' ? 'Microsoft.EventHub/namespaces' : 'Microsoft.ServiceBus/namespaces';
    const ns = needResource(`${conn}__fullyQualifiedNamespace`, type);
    if (!ns) continue;
    namespaces.set(conn, ns);
    const owner: RoleName = u.kind === 'eventHubs' ? 'eventHubsDataOwner' : 'serviceBusDataOwner';
    if (u.send.length)
      needRole(
        u.kind === 'eventHubs' ? 'eventHubsDataSender' : 'serviceBusDataSender',
        ns,
        u.send.join(', '),
        [owner],
      );
    if (u.receive.length)
      needRole(
        u.kind === 'eventHubs' ? 'eventHubsDataReceiver' : 'serviceBusDataReceiver',
        ns,
        u.receive.join(', '),
        [owner],
      );
  }

  // ---- data the code names ----
  const resolve = (v: unknown): string | undefined => {
    const ref = settingReference(v);
    const r = ref ? setting(ref) : v;
    return typeof r === 'string' && !isSymbolic(r) ? r : undefined;
  };
  const cosmosAccount = (conn: string | undefined): DeployedResource | undefined =>
    conn ? resourceOfSetting(`${conn}__accountEndpoint`, 'Microsoft.DocumentDB/databaseAccounts') : undefined;
  const defaultCosmosConn =
    [...uses].find(([, u]) => u.kind === 'cosmos')?.[0] ??
    connectionsOf('accountEndpoint', 'Microsoft.DocumentDB/databaseAccounts')[0];
  const needContainer = (
    account: DeployedResource | undefined,
    container: { database: string; id: string; partitionKeyPath?: string; defaultTtl?: number },
    why: string,
  ): void => {
    const { database, id, partitionKeyPath, defaultTtl } = container;
    if (!account) {
      problems.push(`container ${database}/${id} (${why}): no Cosmos DB account for it in the app settings`);
      return;
    }
    const c = ofType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').find(
      (x) => x.name === `${account.name}/${database}/${id}`,
    );
    if (!c) {
      problems.push(`Cosmos DB container ${database}/${id} (${why}) is not declared`);
      return;
    }
    const paths = get(c.body, 'properties', 'resource', 'partitionKey', 'paths');
    if (partitionKeyPath && JSON.stringify(paths) !== JSON.stringify([partitionKeyPath])) {
      problems.push(
        `Cosmos DB container ${database}/${id} has partition key ${JSON.stringify(paths)}, the code uses ${partitionKeyPath} (${why})`,
      );
    }
    if (defaultTtl !== undefined && get(c.body, 'properties', 'resource', 'defaultTtl') !== defaultTtl) {
      problems.push(`Cosmos DB container ${database}/${id} must have defaultTtl ${defaultTtl} (${why})`);
    }
  };
  for (const c of needs.containers) needContainer(cosmosAccount(defaultCosmosConn), c, c.source);

  const groupsRead = new Set<string>();
  for (const b of needs.bindings) {
    const why = `function ${b.function}`;
    if (/^cosmosDB/i.test(b.type)) {
      const account = cosmosAccount(typeof b.connection === 'string' ? b.connection : undefined);
      const database = resolve(b.databaseName) ?? '';
      const container = resolve(b.containerName) ?? resolve(b.collectionName);
      const known = needs.containers.find((c) => c.database === database && c.id === container);
      if (container)
        needContainer(account, { database, id: container, partitionKeyPath: known?.partitionKeyPath }, why);
      else problems.push(`${why}: cannot tell which container its binding names`);
      if (/trigger/i.test(b.type)) {
        // The trigger cannot create its lease container under data-plane RBAC.
        const leaseDb = resolve(b.leaseDatabaseName) ?? database;
        const leases = resolve(b.leaseContainerName) ?? resolve(b.leaseCollectionName) ?? 'leases';
        needContainer(account, { database: leaseDb, id: leases, partitionKeyPath: '/id' }, `${why} (leases)`);
        if (b.createLeaseContainerIfNotExists === true)
          problems.push(
            `${why}: createLeaseContainerIfNotExists needs keys; declare the lease container instead`,
          );
      }
    }
    if (/^eventHub/i.test(b.type) && typeof b.connection === 'string') {
      const ns = namespaces.get(b.connection);
      const hub = resolve(b.eventHubName);
      if (!ns) continue;
      if (!hub) {
        problems.push(`${why}: cannot tell which event hub its binding names`);
        continue;
      }
      if (!ofType('Microsoft.EventHub/namespaces/eventhubs').some((h) => h.name === `${ns.name}/${hub}`))
        problems.push(`event hub ${hub} (${why}) is not declared`);
      const group = resolve(b.consumerGroup) ?? '$Default';
      if (/trigger/i.test(b.type)) groupsRead.add(`${ns.name}/${hub}/${group}`);
      if (
        /trigger/i.test(b.type) &&
        group !== '$Default' &&
        !ofType('Microsoft.EventHub/namespaces/eventhubs/consumergroups').some(
          (g) => g.name === `${ns.name}/${hub}/${group}`,
        )
      ) {
        problems.push(`consumer group ${group} of event hub ${hub} (${why}) is not declared`);
      }
    }
    if (/^serviceBus/i.test(b.type) && typeof b.connection === 'string') {
      const ns = namespaces.get(b.connection);
      const queue = resolve(b.queueName);
      if (ns && queue) checkQueue(ns, queue, why);
      else if (ns && !b.topicName) problems.push(`${why}: cannot tell which queue its binding names`);
    }
  }
  // A consumer group nothing reads keeps its own checkpoints and costs a group of the tier's few.
  for (const g of ofType('Microsoft.EventHub/namespaces/eventhubs/consumergroups'))
    if (!groupsRead.has(g.name)) problems.push(`consumer group ${g.name} is read by no function`);
  const eventHubNamespaces = connectionsOf('fullyQualifiedNamespace', 'Microsoft.EventHub/namespaces').map(
    (c) =>
      namespaces.get(c) ??
      resourceOfSetting(`${c}__fullyQualifiedNamespace`, 'Microsoft.EventHub/namespaces'),
  );
  for (const [hub, where] of needs.publishedHubs) {
    if (
      !eventHubNamespaces.some(
        (ns) =>
          ns && ofType('Microsoft.EventHub/namespaces/eventhubs').some((h) => h.name === `${ns.name}/${hub}`),
      )
    ) {
      problems.push(`event hub ${hub} (published to at ${where}) is not declared`);
    }
  }
  const serviceBusNamespaces = connectionsOf(
    'fullyQualifiedNamespace',
    'Microsoft.ServiceBus/namespaces',
  ).map((c) => resourceOfSetting(`${c}__fullyQualifiedNamespace`, 'Microsoft.ServiceBus/namespaces'));
  for (const [queue, where] of needs.sentQueues) {
    const ns = serviceBusNamespaces.find(
      (n) =>
        n && ofType('Microsoft.ServiceBus/namespaces/queues').some((q) => q.name === `${n.name}/${queue}`),
    );
    if (!ns) problems.push(`Service Bus queue ${queue} (sent to at ${where}) is not declared`);
    else checkQueue(ns, queue, `sent to at ${where}`);
  }

  function checkQueue(ns: DeployedResource, queue: string, why: string): void {
    const q = ofType('Microsoft.ServiceBus/namespaces/queues').find((x) => x.name === `${ns.name}/${queue}`);
    if (!q) {
      problems.push(`Service Bus queue ${queue} (${why}) is not declared`);
      return;
    }
    const p = get(q.body, 'properties');
    // Messages carry a messageId for duplicate detection; poison ones must end in the dead-letter queue.
    if (get(p, 'requiresDuplicateDetection') !== true)
      problems.push(`Service Bus queue ${queue} must have duplicate detection on`);
    if (get(p, 'deadLetteringOnMessageExpiration') !== true)
      problems.push(`Service Bus queue ${queue} must dead-letter expired messages`);
    if (typeof get(p, 'maxDeliveryCount') !== 'number')
      problems.push(`Service Bus queue ${queue} must set maxDeliveryCount`);
  }

  // ---- no keys, no secrets ----
  for (const pattern of KEY_PATTERNS) {
    const m = pattern.exec(templateText);
    if (m) problems.push(`the template holds a key or secret: ${m[0]}`);
  }
  for (const [name, value] of Object.entries(appSettings)) {
    if (typeof value === 'string' && /(AccountKey|SharedAccessKey|Password|Secret)=/i.test(value))
      problems.push(`app setting ${name} holds a key`);
  }
  const localAuth: [string, string[], Value][] = [
    ['Microsoft.Storage/storageAccounts', ['properties', 'allowSharedKeyAccess'], false],
    ['Microsoft.DocumentDB/databaseAccounts', ['properties', 'disableLocalAuth'], true],
    ['Microsoft.EventHub/namespaces', ['properties', 'disableLocalAuth'], true],
    ['Microsoft.ServiceBus/namespaces', ['properties', 'disableLocalAuth'], true],
    ['Microsoft.Insights/components', ['properties', 'DisableLocalAuth'], true],
  ];
  for (const [type, keys, expected] of localAuth) {
    for (const r of ofType(type))
      if (get(r.body, ...keys) !== expected)
        problems.push(`${type} ${r.name}: ${keys.join('.')} must be ${String(expected)} (no keys)`);
  }
  for (const p of ofType('Microsoft.Web/sites/basicPublishingCredentialsPolicies')) {
    if (get(p.body, 'properties', 'allow') !== false)
      problems.push(`${p.name}: basic publishing credentials must be off`);
  }
  if (ofType('Microsoft.Web/sites/basicPublishingCredentialsPolicies').length < 2)
    problems.push('basic publishing credentials (ftp and scm) must be turned off');

  // Event Hubs Capture writes with the namespace's own identity into a declared container.
  for (const hub of ofType('Microsoft.EventHub/namespaces/eventhubs')) {
    const capture = get(hub.body, 'properties', 'captureDescription');
    if (get(capture, 'enabled') !== true) continue;
    const ns = ofType('Microsoft.EventHub/namespaces').find((n) => hub.name.startsWith(`${n.name}/`));
    const target = byId(String(get(capture, 'destination', 'properties', 'storageAccountResourceId')));
    const container = String(get(capture, 'destination', 'properties', 'blobContainer'));
    if (!ns || !target) {
      problems.push(`Capture of ${hub.name} writes to a storage account not in the template`);
      continue;
    }
    if (
      !ofType('Microsoft.Storage/storageAccounts/blobServices/containers').some(
        (c) => c.name === `${target.name}/default/${container}`,
      )
    ) {
      problems.push(`Capture of ${hub.name} writes to blob container ${container}, which is not declared`);
    }
    const namespacePrincipal = `⟨reference(${ns.id}).identity.principalId⟩`;
    const grants = ofType('Microsoft.Authorization/roleAssignments').filter(
      (a) =>
        get(a.body, 'properties', 'principalId') === namespacePrincipal &&
        (target.id === get(a.body, 'scope') || target.id.startsWith(`${String(get(a.body, 'scope'))}/`)) &&
        [ROLES.storageBlobDataOwner, STORAGE_BLOB_DATA_CONTRIBUTOR].some((r) =>
          String(get(a.body, 'properties', 'roleDefinitionId')).endsWith(`/${r}`),
        ),
    );
    if (!grants.length)
      problems.push(
        `Capture of ${hub.name}: the namespace's identity has no Storage Blob Data Contributor on the capture storage`,
      );
    // Capture writes as soon as it is on: the hub must wait for the role (an explicit dependsOn).
    else if (!grants.some((a) => hub.dependsOn.includes(a.id)))
      problems.push(`Capture of ${hub.name}: the hub does not wait for its storage role (dependsOn)`);
  }

  // Alerts and the dashboard watch resources of this deployment.
  for (const a of [
    ...ofType('Microsoft.Insights/metricAlerts'),
    ...ofType('Microsoft.Insights/scheduledQueryRules'),
  ]) {
    const scopes = get(a.body, 'properties', 'scopes');
    for (const scope of Array.isArray(scopes) ? scopes : []) {
      if (!byId(String(scope)))
        problems.push(`alert ${a.name} watches a resource not in the template: ${String(scope)}`);
    }
  }
  for (const d of ofType('Microsoft.Portal/dashboards')) {
    const text = JSON.stringify(d.body);
    const ids = new Set([...text.matchAll(/"(\/subscriptions\/[^"]*\/providers\/[^"]+)"/g)].map((m) => m[1]));
    if (ids.size === 0) problems.push(`dashboard ${d.name} shows no resource`);
    for (const id of ids)
      if (!byId(id)) problems.push(`dashboard ${d.name} shows a resource not in the template: ${id}`);
  }

  // Roles referenced through resources that do not exist would fail at deployment.
  for (const a of assignments) {
    const scope = String(get(a.body, 'scope') ?? '');
    if (scope && !byId(scope))
      problems.push(`role assignment ${a.name} is scoped to a resource not in the template: ${scope}`);
  }
  return problems;
}
