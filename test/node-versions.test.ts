// The Node versions: `engines` names each accepted line with its floor (`^20.19.0 || ^22.12.0 ||
// ^24.0.0`), CI runs every one of them, and the Node running this is one of them
// (docs/decisions/0013-node-versions.md).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helpers/hosts';

const engines = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    engines: { node: string };
  }
).engines.node;
/** Each accepted line: its major and the oldest release of it. */
const lines = engines.split('||').map((range) => {
  const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(range);
  if (!m) throw new Error(`engines.node should be caret ranges joined by ||, not "${range.trim()}"`);
  return { major: Number(m[1]), floor: [Number(m[1]), Number(m[2]), Number(m[3])] };
});

describe('Node versions', () => {
  it('accepts the long-term lines 20, 22 and 24', () => {
    expect(lines.map((l) => l.major)).toEqual([20, 22, 24]);
  });

  it('runs CI on every line it accepts', () => {
    const workflow = parse(
      fs.readFileSync(path.join(repoRoot, '.github/workflows/azure-dev.yml'), 'utf8'),
    ) as {
      jobs: { test: { strategy: { matrix: { node: number[] } } } };
    };
    expect(workflow.jobs.test.strategy.matrix.node).toEqual(lines.map((l) => l.major));
  });

  it('is running on a Node it accepts', () => {
    const running = process.versions.node.split('.').map(Number);
    const line = lines.find((l) => l.major === running[0]);
    expect(line, `Node ${process.versions.node} against ${engines}`).toBeDefined();
    const [, minor, patch] = line!.floor;
    expect(running[1] * 1000 + running[2]).toBeGreaterThanOrEqual(minor * 1000 + patch);
  });
});
