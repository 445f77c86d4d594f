import type { Settings } from './settings.ts';

/** The settings as the audit log keeps them: everything but the secrets. */
export function describeSettings(settings: Settings): Record<string, unknown> {
  const { model, githubToken: _token, tools, ...rest } = settings;
  return {
    ...rest,
    model: { provider: model.provider, name: model.name, baseUrl: model.baseUrl },
    tools: [...tools],
  };
}
