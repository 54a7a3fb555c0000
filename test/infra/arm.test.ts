// The ARM template evaluator the cross-check stands on: hand-written templates in the shapes
// `bicep build` emits, so these run even where no Bicep CLI is installed.
import { describe, expect, it } from 'vitest';
import { evaluateTemplate, splitName } from './arm';

describe('evaluateTemplate', () => {
  it('evaluates parameters, defaults, variables, format, union, if and safe access', () => {
    const { resources, outputs } = evaluateTemplate(
      {
        parameters: { env: {}, tier: { defaultValue: 'Standard' }, extra: { defaultValue: { ttl: 5 } } },
        variables: {
          prefix: "[format('st{0}', toLower(parameters('env')))]",
          settings:
            "[union(createObject('A', '1'), createObject('B', if(equals(parameters('tier'), 'Standard'), 'yes', 'no')))]",
        },
        resources: [
          {
            type: 'Microsoft.Storage/storageAccounts',
            name: "[variables('prefix')]",
            properties: {
              s: "[variables('settings')]",
              ttl: "[tryGet(parameters('extra'), 'ttl')]",
              none: "[tryGet(parameters('extra'), 'x')]",
            },
          },
        ],
        outputs: { id: { value: "[resourceId('Microsoft.Storage/storageAccounts', variables('prefix'))]" } },
      },
      { env: 'DEV' },
    );
    expect(resources).toHaveLength(1);
    expect(resources[0].name).toBe('stdev');
    expect(resources[0].body.properties).toEqual({ s: { A: '1', B: 'yes' }, ttl: 5, none: null });
    expect(outputs.id).toBe(
      '/subscriptions/⟨subscriptionId⟩/providers/Microsoft.Storage/storageAccounts/stdev',
    );
  });

  it('expands copy loops over resources and variables, and calls user-defined functions', () => {
    const { resources } = evaluateTemplate({
      functions: [
        {
          namespace: '__bicep',
          members: { twice: { parameters: [{ name: 'n' }], output: { value: "[mul(parameters('n'), 2)]" } } },
        },
      ],
      parameters: { names: { defaultValue: ['a', 'b', 'c'] } },
      variables: { copy: [{ name: 'doubled', count: 3, input: "[__bicep.twice(copyIndex('doubled'))]" }] },
      resources: {
        queues: {
          copy: { name: 'queues', count: "[length(parameters('names'))]" },
          type: 'Microsoft.ServiceBus/namespaces/queues',
          name: "[format('{0}/{1}', 'sb', parameters('names')[copyIndex()])]",
          properties: { n: "[variables('doubled')[copyIndex()]]" },
        },
      },
    });
    expect(resources.map((r) => [r.name, r.body.properties])).toEqual([
      ['sb/a', { n: 0 }],
      ['sb/b', { n: 2 }],
      ['sb/c', { n: 4 }],
    ]);
  });

  it('passes parameters into modules and reads their outputs back; deployment-time values stay symbolic', () => {
    const module = (name: string, template: object, parameters: object) => ({
      type: 'Microsoft.Resources/deployments',
      name,
      resourceGroup: 'rg-x',
      properties: { template, parameters },
    });
    const { resources } = evaluateTemplate({
      resources: [
        module(
          'identity',
          {
            parameters: { name: {} },
            resources: [
              { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', name: "[parameters('name')]" },
            ],
            outputs: {
              principalId: {
                value:
                  "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('name')), '2023-01-31').principalId]",
              },
            },
          },
          { name: { value: 'id-app' } },
        ),
        module(
          'roles',
          {
            parameters: { principalId: {}, grant: {} },
            resources: [
              {
                condition: "[parameters('grant')]",
                type: 'Microsoft.Authorization/roleAssignments',
                name: 'r',
                properties: { principalId: "[parameters('principalId')]" },
              },
            ],
          },
          {
            principalId: {
              value:
                "[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, 'rg-x'), 'Microsoft.Resources/deployments', 'identity'), '2025-04-01').outputs.principalId.value]",
            },
            grant: { value: "[not(empty(parameters('unknown')))]" },
          },
        ),
      ],
      parameters: { unknown: {} },
    });
    const identity = resources.find((r) => r.type === 'Microsoft.ManagedIdentity/userAssignedIdentities')!;
    expect(identity.id).toBe(
      '/subscriptions/⟨subscriptionId⟩/resourceGroups/rg-x/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app',
    );
    const role = resources.find((r) => r.type === 'Microsoft.Authorization/roleAssignments')!;
    expect(role.body.properties).toEqual({ principalId: `⟨reference(${identity.id}).principalId⟩` });
    // A condition on a value only known at deployment: neither counted as deployed nor as absent.
    expect(role.deployed).toBe('unknown');
  });

  it('splits names on slashes outside symbolic parts', () => {
    expect(splitName('acct/⟨reference(/subscriptions/x).name⟩/c')).toEqual([
      'acct',
      '⟨reference(/subscriptions/x).name⟩',
      'c',
    ]);
  });

  it('refuses an expression it cannot parse rather than guessing', () => {
    expect(() => evaluateTemplate({ resources: [{ type: 'A/b', name: "[format('x']" }] })).toThrow(
      /ARM expression/,
    );
  });
});
