// The run configuration's public surface.
export { ConfigError } from './errors';
export { buildSinks, dedupeOptions, formatterFor } from './build';
export type { AlertPath, BuildDeps } from './build';
export { parseRunConfig, resolveRunConfig, settingNames } from './config';
export type { AlertFormat, DedupeConfig, ResolveOptions, RunConfig, SinkKind } from './config';
export { RUN_CONFIG_OPTIONS, SETTINGS, envName } from './settings';
export type { Setting } from './settings';
