// CI provisions with every parameter: infra/main.parameters.json, azure.yaml's `pipeline.variables` and
// the workflow `azd pipeline config` finds (.github/workflows/azure-dev.yml) name the same variables, and
// the workflow smoke-tests the app after `azd deploy`. What azd does itself, read in its sources
// (github.com/Azure/azure-dev, cli/azd):
// - pkg/pipeline/pipeline.go `pipelineFileNames`: the workflow it looks for is azure-dev.yml or .yaml;
// - pkg/pipeline/github_provider.go `setPipelineVariables`: it sets AZURE_ENV_NAME, AZURE_LOCATION,
//   AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID and AZURE_CLIENT_ID as repository variables, and copies
//   azure.yaml's `pipeline.variables` / `secrets` from the azd environment (pipeline.go);
// - pkg/infra/provisioning/bicep/bicep_provider.go `evalParamEnvSubst`: AZURE_PRINCIPAL_ID and
//   AZURE_PRINCIPAL_TYPE are the signed-in principal's, whatever the environment says.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(__dirname, '../..');
const WORKFLOW = '.github/workflows/azure-dev.yml';

/** Set by `azd pipeline config` as repository variables. */
const SET_BY_AZD = [
  'AZURE_ENV_NAME',
  'AZURE_LOCATION',
  'AZURE_SUBSCRIPTION_ID',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
];
/** Worked out by azd when it provisions: passing them changes nothing. */
const WORKED_OUT_BY_AZD = ['AZURE_PRINCIPAL_ID', 'AZURE_PRINCIPAL_TYPE'];

interface Files {
  parameters: { parameters: Record<string, { value: unknown }> };
  azureYaml: { pipeline?: { variables?: string[]; secrets?: string[] } };
  workflow: {
    env?: Record<string, string>;
    jobs: Record<
      string,
      { env?: Record<string, string>; steps: { run?: string; env?: Record<string, string> }[] }
    >;
  };
}

function read(): Files {
  const text = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
  return {
    parameters: JSON.parse(text('infra/main.parameters.json')) as Files['parameters'],
    azureYaml: parse(text('azure.yaml')) as Files['azureYaml'],
    workflow: parse(text(WORKFLOW)) as Files['workflow'],
  };
}

/** What is wrong between the three files; none means CI provisions with every parameter. */
function pipelineProblems({ parameters, azureYaml, workflow }: Files): string[] {
  const problems: string[] = [];
  const mapped = new Set<string>();
  for (const { value } of Object.values(parameters.parameters))
    for (const [, name] of JSON.stringify(value).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=[^}]*)?\}/g))
      mapped.add(name);
  const declared = [...(azureYaml.pipeline?.variables ?? []), ...(azureYaml.pipeline?.secrets ?? [])];

  const jobs = Object.entries(workflow.jobs);
  const deploy = jobs.find(([, job]) => job.steps.some((s) => /\bazd provision\b/.test(s.run ?? '')));
  if (!deploy) return ['no job of the workflow runs azd provision'];
  const [jobName, job] = deploy;
  const provision = job.steps.find((s) => /\bazd provision\b/.test(s.run ?? ''))!;
  // What the provisioning step sees, and where each comes from (`${{ vars.X }}`, `${{ secrets.X }}`).
  const env = { ...workflow.env, ...job.env, ...provision.env };
  const source = (name: string): string | undefined =>
    /^\$\{\{\s*(vars|secrets)\.([A-Za-z0-9_]+)\s*\}\}$/.exec(env[name] ?? '')?.[2];

  for (const name of mapped) {
    if (WORKED_OUT_BY_AZD.includes(name)) continue;
    if (!SET_BY_AZD.includes(name) && !declared.includes(name))
      problems.push(`${name}: main.parameters.json maps it, azure.yaml pipeline.variables lacks it`);
    if (source(name) !== name)
      problems.push(
        `${name}: main.parameters.json maps it, job ${jobName} does not pass it from vars.${name}`,
      );
  }
  for (const name of declared) {
    if (!mapped.has(name)) problems.push(`${name}: in azure.yaml pipeline.variables, no parameter maps it`);
    if (source(name) !== name && !problems.some((p) => p.startsWith(`${name}:`)))
      problems.push(`${name}: in azure.yaml pipeline.variables, job ${jobName} does not pass it`);
  }
  for (const name of Object.keys(env)) {
    const from = /\$\{\{\s*(?:vars|secrets)\.([A-Za-z0-9_]+)\s*\}\}/.exec(env[name] ?? '')?.[1];
    if (from !== undefined && !SET_BY_AZD.includes(from) && !declared.includes(from))
      problems.push(`${name}: job ${jobName} reads ${from}, which azd pipeline config never sets`);
    if (WORKED_OUT_BY_AZD.includes(name)) problems.push(`${name}: job ${jobName} sets it; azd ignores it`);
  }

  const deployAt = job.steps.findIndex((s) => /\bazd deploy\b/.test(s.run ?? ''));
  const smokeAt = job.steps.findIndex((s) => /\bnpm run smoke\b/.test(s.run ?? ''));
  if (deployAt < 0) problems.push(`job ${jobName} does not run azd deploy`);
  else if (smokeAt < deployAt) problems.push(`job ${jobName} runs no smoke test after azd deploy`);
  return problems;
}

describe('CI passes every parameter to azd', () => {
  it('is the workflow azd pipeline config looks for, and the only one that provisions', () => {
    const workflows = fs.readdirSync(path.join(repoRoot, '.github/workflows'));
    expect(workflows).toContain('azure-dev.yml');
    const provisioning = workflows.filter((f) =>
      /\bazd provision\b/.test(fs.readFileSync(path.join(repoRoot, '.github/workflows', f), 'utf8')),
    );
    expect(provisioning).toEqual(['azure-dev.yml']);
  });

  it('main.parameters.json, azure.yaml pipeline.variables and the workflow name the same variables', () => {
    const files = read();
    expect(pipelineProblems(files)).toEqual([]);
    // Something to compare: the project's own parameters are there.
    expect(files.azureYaml.pipeline?.variables).toEqual(
      expect.arrayContaining(['AUTH_CLIENT_ID', 'COSMOS_THROUGHPUT_MODE', 'EVENT_HUB_CAPTURE_ENABLED']),
    );
  });

  it('fails when one of the three lacks a variable the others name, or the smoke test goes', () => {
    const missingInYaml = read();
    missingInYaml.azureYaml.pipeline!.variables = missingInYaml.azureYaml.pipeline!.variables!.filter(
      (v) => v !== 'COSMOS_THROUGHPUT',
    );
    expect(pipelineProblems(missingInYaml)).toEqual([
      'COSMOS_THROUGHPUT: main.parameters.json maps it, azure.yaml pipeline.variables lacks it',
      'COSMOS_THROUGHPUT: job deploy reads COSMOS_THROUGHPUT, which azd pipeline config never sets',
    ]);

    const notPassed = read();
    delete notPassed.workflow.jobs.deploy.env!.EVENT_HUB_CAPTURE_ENABLED;
    expect(pipelineProblems(notPassed)).toEqual([
      'EVENT_HUB_CAPTURE_ENABLED: main.parameters.json maps it, job deploy does not pass it from vars.EVENT_HUB_CAPTURE_ENABLED',
    ]);

    const newParameter = read();
    newParameter.parameters.parameters.holdDays = { value: '${HOLD_DAYS=3}' };
    expect(pipelineProblems(newParameter)).toEqual([
      'HOLD_DAYS: main.parameters.json maps it, azure.yaml pipeline.variables lacks it',
      'HOLD_DAYS: main.parameters.json maps it, job deploy does not pass it from vars.HOLD_DAYS',
    ]);

    const stray = read();
    stray.azureYaml.pipeline!.variables!.push('OLD_SETTING');
    stray.workflow.jobs.deploy.env!.OTHER = '${{ vars.NOT_SET_BY_ANYONE }}';
    expect(pipelineProblems(stray)).toEqual([
      'OLD_SETTING: in azure.yaml pipeline.variables, no parameter maps it',
      'OTHER: job deploy reads NOT_SET_BY_ANYONE, which azd pipeline config never sets',
    ]);

    const noSmoke = read();
    noSmoke.workflow.jobs.deploy.steps = noSmoke.workflow.jobs.deploy.steps.filter(
      (s) => !/npm run smoke/.test(s.run ?? ''),
    );
    expect(pipelineProblems(noSmoke)).toEqual(['job deploy runs no smoke test after azd deploy']);
  });
});
