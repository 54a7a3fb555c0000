// An extension's settings, read once at start: its host.json section (`extensions.<name>`) and the
// JSON app setting that describes its local resources, each checked with its schema. A wrong one
// stops the host with a message naming it.
import type { z } from 'zod';
import type { HostContext } from './types';

export function readExtensionSettings<H extends z.ZodTypeAny, L extends z.ZodTypeAny>(
  host: Pick<HostContext, 'hostJson' | 'settings'>,
  spec: { section: string; hostJson: H; appSetting: string; local: L },
): { hostJson: z.infer<H>; local: z.infer<L> } {
  const hostJson = spec.hostJson.safeParse(host.hostJson.extensions?.[spec.section] ?? {});
  if (!hostJson.success)
    throw new Error(`host.json extensions.${spec.section}: ${hostJson.error.issues[0].message}`);
  const raw = host.settings[spec.appSetting];
  const local = spec.local.safeParse(raw ? parseJson(raw, spec.appSetting) : {});
  if (!local.success) throw new Error(`App setting ${spec.appSetting}: ${local.error.issues[0].message}`);
  return { hostJson: hostJson.data as z.infer<H>, local: local.data as z.infer<L> };
}

function parseJson(text: string, setting: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`App setting ${setting} must be JSON.`);
  }
}
