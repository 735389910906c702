// Worker Versioning: which build this is, and which build new conversions start on.
export { resolveBuildId, describeBuild, type BuildInfo } from './build-id';
export { applyCurrentVersionPolicy, DEV_MACHINE_VERSIONING, type CurrentVersionPolicy, type CurrentVersionOutcome, type SetCurrentVersionOptions } from './current-version';
