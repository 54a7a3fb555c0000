// The deployment in infra/: compiled and linted by the real Bicep CLI (warnings count as failures),
// then cross-checked, on the compiled ARM JSON, against what the code needs. Where no Bicep CLI can
// be had (no dotnet, no bicep on PATH), the compile and the cross-check are skipped, saying so, and
// every .bicep file is still parsed for syntax.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateTemplate, type Value } from './arm';
import { BicepServer, bicepFiles, findBicep, parseSyntax, type BicepCli, type Diagnostics } from './bicep';
import { callerRoles, codeNeeds, repoRoot, type CodeNeeds } from './code-needs';
import { crossCheck, ROLES } from './cross-check';
import { checkOperatorEvents, declaredEvents, logQueries } from './operator-events';

const infraDir = path.join(repoRoot, 'infra');
const cli: BicepCli | undefined = findBicep();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-infra-'));

if (!cli)
  console.log(
    'Bicep CLI: none (no dotnet to restore it, no bicep on PATH): skipped the compile, the lint and the cross-check; syntax parse only.',
  );

/** main.parameters.json as azd fills it: `${VAR=default}` takes its default, `${VAR}` stays unknown. */
function azdParameters(): Record<string, Value> {
  const file = JSON.parse(fs.readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: string }>;
  };
  const values: Record<string, Value> = {};
  for (const [name, { value }] of Object.entries(file.parameters)) {
    const m = /^\$\{(\w+)(?:=(.*))?\}$/.exec(value);
    if (!m) values[name] = value;
    else if (m[2] === undefined) values[name] = `⟨azd env ${m[1]}⟩`;
    else
      values[name] =
        m[2] === 'true' ? true : m[2] === 'false' ? false : /^\d+$/.test(m[2]) ? Number(m[2]) : m[2];
  }
  return values;
}

interface Compiled {
  json: string;
  diagnostics: string[];
}

function evaluate(templateText: string, parameters: Record<string, Value> = {}) {
  const template = JSON.parse(templateText) as Parameters<typeof evaluateTemplate>[0];
  return evaluateTemplate(template, { ...azdParameters(), ...parameters });
}

function check(templateText: string, needs: CodeNeeds, parameters: Record<string, Value> = {}): string[] {
  return crossCheck({ evaluation: evaluate(templateText, parameters), templateText, needs });
}

/** A copy of infra/ with one edit, to show what a wrong template does. */
function editedCopy(file: string, from: string | RegExp, to: string): string {
  const dir = fs.mkdtempSync(path.join(work, 'infra-'));
  fs.cpSync(infraDir, dir, { recursive: true });
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, 'utf8');
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`the edit of ${file} changed nothing`);
  fs.writeFileSync(target, edited);
  return dir;
}

describe('Bicep syntax (tree-sitter-bicep)', () => {
  it('parses every .bicep file under infra/', async () => {
    const files = bicepFiles(infraDir);
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(await parseSyntax(files)).toEqual([]);
  });

  it('reports a file that is not Bicep', async () => {
    const broken = path.join(work, 'broken.bicep');
    fs.writeFileSync(
      broken,
      "param name string\nresource x 'Microsoft.Storage/storageAccounts@2024-01-01' = {\n  name: name\n",
    );
    expect((await parseSyntax([broken])).length).toBeGreaterThan(0);
  });
});

describe('the Entra ID app registration', () => {
  it('defines exactly the app roles the code knows', () => {
    const file = JSON.parse(fs.readFileSync(path.join(infraDir, 'auth/app-roles.json'), 'utf8')) as {
      value: string;
      id: string;
    }[];
    const roles = callerRoles();
    expect(file.map((r) => r.value).sort()).toEqual(roles);
    expect(roles).toEqual(['librarian', 'member']);
    expect(new Set(file.map((r) => r.id)).size).toBe(file.length);
  });
});

describe.skipIf(!cli)('the deployment, compiled by the Bicep CLI and cross-checked against the code', () => {
  let needs: CodeNeeds;
  let compiled: Compiled;
  let lint: Diagnostics;
  let unknownProperty: Compiled;
  let unusedParameter: Diagnostics;
  let renamedContainer: Compiled;
  let otherPrincipal: Compiled;

  // One CLI process compiles them all (./bicep.ts BicepServer); the code is read meanwhile.
  beforeAll(async () => {
    const bicep = new BicepServer(cli!);
    const compile = async (dir: string): Promise<Compiled> => {
      const r = await bicep.compile(path.join(dir, 'main.bicep'));
      return { json: r.ok ? r.json! : '', diagnostics: r.lines };
    };
    const own = fs.mkdtempSync(path.join(work, 'infra-'));
    fs.cpSync(infraDir, own, { recursive: true });
    const unused = editedCopy(
      'core/identity.bicep',
      'param tags object',
      'param tags object\nparam unused string',
    );
    try {
      console.log(`Bicep CLI: ${await bicep.version()} (${cli!.how})`);
      [compiled, lint, unknownProperty, unusedParameter, renamedContainer, otherPrincipal, needs] =
        await Promise.all([
          compile(own),
          bicep.lint(bicepFiles(infraDir)),
          compile(editedCopy('app/api.bicep', 'httpsOnly: true', 'httpsOnly: true\n    httpsOnlyy: true')),
          bicep.lint([path.join(unused, 'core/identity.bicep')]),
          compile(editedCopy('main.bicep', "{ id: 'books',", "{ id: 'book',")),
          compile(
            editedCopy(
              'main.bicep',
              'principalId: identity.outputs.principalId',
              "principalId: '00000000-0000-0000-0000-000000000000'",
            ),
          ),
          codeNeeds(),
        ]);
    } finally {
      await bicep.close();
    }
  }, 240_000);

  it('compiles infra/main.bicep with no error and no warning', () => {
    expect(compiled.diagnostics).toEqual([]);
    expect(JSON.parse(compiled.json)).toMatchObject({
      $schema: expect.stringContaining('subscriptionDeploymentTemplate'),
    });
  });

  it('lints every .bicep file clean under infra/bicepconfig.json', () => {
    expect(lint.lines).toEqual([]);
    expect(lint.ok).toBe(true);
  });

  it('fails the compile on a property the resource type does not have (a type warning)', () => {
    expect(unknownProperty.diagnostics.join('\n')).toMatch(
      /Warning BCP037: The property "httpsOnlyy" is not allowed/,
    );
  });

  it('fails the lint on a rule turned to error (an unused parameter)', () => {
    expect(unusedParameter.ok).toBe(false);
    expect(unusedParameter.lines.join('\n')).toMatch(/Error no-unused-params/);
  });

  it('gets every parameter azd must supply from main.parameters.json, and no other', () => {
    const template = JSON.parse(compiled.json) as { parameters: Record<string, { defaultValue?: unknown }> };
    const given = Object.keys(azdParameters());
    const required = Object.entries(template.parameters)
      .filter(([, p]) => p.defaultValue === undefined)
      .map(([n]) => n);
    expect(required.length).toBeGreaterThan(0);
    expect(given).toEqual(expect.arrayContaining(required));
    expect(Object.keys(template.parameters)).toEqual(expect.arrayContaining(given));
  });

  it('reads what the code needs from the code itself', () => {
    expect([...needs.settings.keys()]).toEqual(
      expect.arrayContaining([
        'LOAN_DAYS',
        'FEE_TIME_ZONE',
        'WEBSITE_AUTH_ENABLED',
        'CosmosDBConnection__accountEndpoint',
      ]),
    );
    expect(needs.containers.map((c) => `${c.id} ${c.partitionKeyPath}`)).toEqual(
      expect.arrayContaining(['members /memberId', 'books /id']),
    );
    expect(needs.bindings.some((b) => b.type === 'orchestrationTrigger')).toBe(true);
    expect(needs.bindings.some((b) => b.type === 'httpTrigger')).toBe(true);
  });

  it('gives the code every setting, container, hub, queue and role it names, with no key anywhere', () => {
    expect(check(compiled.json, needs)).toEqual([]);
  });

  it('fails when a container the code uses is renamed in the Bicep', () => {
    expect(renamedContainer.diagnostics).toEqual([]);
    expect(check(renamedContainer.json, needs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Cosmos DB container rentbook\/books .* is not declared/),
      ]),
    );
  });

  it('fails when a container has another partition key than the code uses', () => {
    const json = compiled.json.replace('"partitionKeyPath": "/memberId"', '"partitionKeyPath": "/id"');
    expect(check(json, needs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /container rentbook\/members has partition key \["\/id"\], the code uses \/memberId/,
        ),
      ]),
    );
  });

  it('fails when a role the code needs is missing', () => {
    const template = JSON.parse(compiled.json) as {
      resources: { name: string; properties: { template: { resources: unknown[] } } }[];
    };
    const rbac = template.resources.find((r) => r.name === 'rbac')!.properties.template;
    rbac.resources = rbac.resources.filter((r) => !JSON.stringify(r).includes('durableTaskDataContributor)'));
    expect(check(JSON.stringify(template), needs)).toEqual([
      expect.stringMatching(
        new RegExp(`role durableTaskDataContributor \\(${ROLES.durableTaskDataContributor}\\) .* is missing`),
      ),
    ]);
  });

  it('with Event Hubs Capture on, lets the namespace write to a declared container, and fails without its role or when the hub does not wait for it', () => {
    expect(check(compiled.json, needs, { eventHubCaptureEnabled: true })).toEqual([]);
    type Raw = { type: string; dependsOn?: string[] };
    const eventHubsModule = (json: string) => {
      const template = JSON.parse(json) as {
        resources: { name: string; properties: { template: { resources: Record<string, Raw> } } }[];
      };
      return {
        template,
        inner: template.resources.find((r) => r.name === 'event-hubs')!.properties.template,
      };
    };
    const withoutRole = eventHubsModule(compiled.json);
    for (const [symbol, r] of Object.entries(withoutRole.inner.resources))
      if (r.type === 'Microsoft.Authorization/roleAssignments') delete withoutRole.inner.resources[symbol];
    for (const r of Object.values(withoutRole.inner.resources))
      r.dependsOn = r.dependsOn?.filter((d) => d in withoutRole.inner.resources);
    expect(check(JSON.stringify(withoutRole.template), needs, { eventHubCaptureEnabled: true })).toEqual([
      expect.stringMatching(
        /^Capture of .*rentbook-events: the namespace's identity has no Storage Blob Data Contributor/,
      ),
    ]);
    const notWaiting = eventHubsModule(compiled.json);
    for (const r of Object.values(notWaiting.inner.resources))
      if (r.type === 'Microsoft.EventHub/namespaces/eventhubs')
        r.dependsOn = r.dependsOn?.filter(
          (d) => notWaiting.inner.resources[d].type !== 'Microsoft.Authorization/roleAssignments',
        );
    expect(check(JSON.stringify(notWaiting.template), needs, { eventHubCaptureEnabled: true })).toEqual([
      expect.stringMatching(/^Capture of .*rentbook-events: the hub does not wait for its storage role/),
    ]);
  });

  it('fails when a consumer group is declared that no function reads', () => {
    const template = JSON.parse(compiled.json) as {
      variables: Record<string, unknown>;
    };
    template.variables.eventHubConsumerGroups = ['notices', 'rental-board'];
    expect(check(JSON.stringify(template), needs)).toEqual([
      expect.stringMatching(/^consumer group .*\/rentbook-events\/rental-board is read by no function$/),
    ]);
  });

  it('fails when the dashboard or an alert watches a resource the template does not declare', () => {
    const template = JSON.parse(compiled.json) as {
      resources: { name: string; properties: { parameters: Record<string, { value: unknown }> } }[];
    };
    const elsewhere =
      '/subscriptions/0/resourceGroups/other/providers/Microsoft.Insights/components/appi-other';
    template.resources.find((r) => r.name === 'dashboard')!.properties.parameters.applicationInsightsId = {
      value: elsewhere,
    };
    template.resources.find((r) => r.name === 'alerts')!.properties.parameters.applicationInsightsId = {
      value: elsewhere,
    };
    const problems = check(JSON.stringify(template), needs);
    expect(problems).toContain(
      `dashboard dash-⟨toLower(⟨uniqueString(/subscriptions/⟨subscriptionId⟩, ⟨azd env AZURE_ENV_NAME⟩, ⟨azd env AZURE_LOCATION⟩)⟩)⟩ shows a resource not in the template: ${elsewhere}`,
    );
    expect(problems.filter((p) => p.startsWith('alert ') && p.endsWith(elsewhere))).toHaveLength(3);
  });

  it('fails when the app runs as another identity than the one the roles are given to', () => {
    expect(otherPrincipal.diagnostics).toEqual([]);
    const problems = check(otherPrincipal.json, needs);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/role storageBlobDataOwner .* is missing/)]),
    );
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/Cosmos DB Built-in Data Contributor .* is missing/)]),
    );
  });

  it('fails when a setting the code reads is not set, or a connection uses a key', () => {
    const settings = new Map(needs.settings).set('UNDECLARED_SETTING', 'shared/config.ts:99');
    expect(check(compiled.json, { ...needs, settings })).toEqual([
      'app setting UNDECLARED_SETTING (read by shared/config.ts:99) is not set on the Function App',
    ]);
    const keyed = compiled.json.replace(
      '"ServiceBusConnection__credential": "managedidentity"',
      '"ServiceBusConnection__credential": "managedidentity", "ServiceBusConnection": "[listKeys(\'x\', \'2024-01-01\').primaryConnectionString]"',
    );
    expect(check(keyed, needs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/holds a key or secret: listKeys\(/)]),
    );
  });

  it('demands what new triggers and senders name: hubs, consumer groups, containers with leases, queues', () => {
    const added: CodeNeeds = {
      ...needs,
      bindings: [
        ...needs.bindings,
        {
          function: 'notices-from-events',
          name: 'trigger',
          type: 'eventHubTrigger',
          direction: 'in',
          connection: 'EventHubConnection',
          eventHubName: 'rentbook-events',
          consumerGroup: 'audit',
        },
        {
          function: 'mypage-projection',
          name: 'trigger',
          type: 'cosmosDBTrigger',
          direction: 'in',
          connection: 'CosmosDBConnection',
          databaseName: 'rentbook',
          containerName: 'holds',
          leaseContainerName: 'holds-leases',
        },
        {
          function: 'notices-send',
          name: 'trigger',
          type: 'serviceBusTrigger',
          direction: 'in',
          connection: 'NoticesConnection',
          queueName: 'notifications',
        },
      ],
      sentQueues: new Map([['reminders', 'shared/app/notices.ts:10']]),
    };
    const problems = check(compiled.json, added);
    expect(problems).toEqual(
      expect.arrayContaining([
        'consumer group audit of event hub rentbook-events (function notices-from-events) is not declared',
        'Cosmos DB container rentbook/holds (function mypage-projection) is not declared',
        'Cosmos DB container rentbook/holds-leases (function mypage-projection (leases)) is not declared',
        'app setting NoticesConnection__fullyQualifiedNamespace (read by function notices-send, binding trigger.connection) is not set on the Function App',
        expect.stringMatching(
          /^Service Bus queue reminders \(sent to at shared\/app\/notices.ts:10\) is not declared/,
        ),
      ]),
    );
    // The ones already declared pass: the hub, the notifications queue, the roles for receiving.
    const declared: CodeNeeds = {
      ...needs,
      bindings: [
        ...needs.bindings,
        {
          function: 'notices-again',
          name: 'trigger',
          type: 'eventHubTrigger',
          direction: 'in',
          connection: 'EventHubConnection',
          eventHubName: 'rentbook-events',
          consumerGroup: 'notices',
        },
        {
          function: 'mypage',
          name: 'trigger',
          type: 'cosmosDBTrigger',
          direction: 'in',
          connection: 'CosmosDBConnection',
          databaseName: 'rentbook',
          containerName: 'members',
        },
        {
          function: 'notices',
          name: 'trigger',
          type: 'serviceBusTrigger',
          direction: 'in',
          connection: 'ServiceBusConnection',
          queueName: 'notifications',
        },
      ],
      publishedHubs: new Map([['rentbook-events', 'shared/app/events.ts:1']]),
      sentQueues: new Map([['notifications', 'shared/app/notices.ts:1']]),
      sdk: new Map([['cosmos', 'shared/azure/cosmos.ts:1']]),
    };
    expect(check(compiled.json, declared)).toEqual([]);
  });

  describe("the operators' events the dashboard and alerts query", () => {
    it('are events the app writes, with the fields and types the queries read; every one is read', () => {
      const queries = logQueries(evaluate(compiled.json)).filter((q) => q.query.includes('traces'));
      // Six dashboard tiles and two alerts read the app's traces.
      expect(queries.map((q) => q.where)).toEqual(
        expect.arrayContaining([
          'dashboard tile "Rejections by reason"',
          'dashboard tile "Projection lag (ms, p95)"',
          expect.stringMatching(/^alert .*projection-dead-letters/),
          expect.stringMatching(/^alert .*compensation-spike/),
        ]),
      );
      expect(queries).toHaveLength(8);
      expect(checkOperatorEvents(evaluate(compiled.json), declaredEvents())).toEqual([]);
    });

    it('fails when the app renames an event the queries read', () => {
      const declared = declaredEvents();
      declared.set('projection.dead-lettered', declared.get('projection.deadlettered')!);
      declared.delete('projection.deadlettered');
      expect(checkOperatorEvents(evaluate(compiled.json), declared)).toEqual([
        'dashboard tile "Projection dead letters" reads event "projection.deadlettered", which the app does not write',
        expect.stringMatching(
          /^alert .*projection-dead-letters.* reads event "projection.deadlettered", which the app does not write$/,
        ),
        'event "projection.dead-lettered" is written by the app but no dashboard tile or alert reads it',
      ]);
    });

    it('fails when a query reads a field the event does not carry, or as another type', () => {
      const renamed = compiled.json.replace('todouble(e.lagMs)', 'todouble(e.lag)');
      expect(renamed).not.toBe(compiled.json);
      expect(checkOperatorEvents(evaluate(renamed), declaredEvents())).toEqual([
        'dashboard tile "Projection lag (ms, p95)" reads e.lag, which event "projection.applied" does not carry',
      ]);
      const declared = declaredEvents();
      declared.get('overdue.scanned')!.set('overdue', 'string');
      expect(checkOperatorEvents(evaluate(compiled.json), declared)).toEqual([
        'dashboard tile "Loans overdue" reads e.overdue as a number (toint); "overdue.scanned" writes a string',
      ]);
    });
  });
});
