#!/usr/bin/env node
'use strict';
/**
 * The first step of `npm test` (npm's `pretest`): the Debian programs the tests drive.
 *
 * As root with apt-get (a fresh container, a CI machine) it installs what is missing, as `.ci/run`
 * used to do itself. As anyone else it installs nothing: a test command that escalates privileges
 * behind a developer's back is worse than one line saying what to install. Either way a missing
 * program is never a skipped test.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Each program at the path the tests use it from, and the Debian package that brings it. */
const TOOLS = [
  { path: '/usr/bin/sox', pkg: 'sox', usedBy: 'test/unit/wav-sox.test.ts (WAV files written by another program)' },
  { path: '/usr/bin/docker-compose', pkg: 'docker-compose', usedBy: 'test/integration/compose.test.ts (validates docker-compose.yml)' },
  { path: '/usr/bin/chromium', pkg: 'chromium', usedBy: 'test/integration/temporal-ui.test.ts (the Temporal UI, headless)' },
];

/** What `npm run test:cluster` (its pretest: `--cluster`) needs besides: the cluster harness's database and its test CA. */
const CLUSTER_TOOLS = [
  // Any version's server binaries: src/local-servers/postgres.ts takes the newest.
  { path: '/usr/lib/postgresql/*/bin/initdb', pkg: 'postgresql', usedBy: 'src/local-servers/postgres.ts (the cluster harness\'s PostgreSQL)' },
  { path: '/usr/bin/openssl', pkg: 'openssl', usedBy: 'src/local-servers/tls-material.ts (the TLS tests\' certificate authority)' },
];

/** @param {string} file */
const isExecutable = (file) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A path with one `*` directory (a version) is present when any directory there has the program. @param {string} file */
const isPresent = (file) => {
  const at = file.indexOf('/*/');
  if (at < 0) return isExecutable(file);
  const dir = file.slice(0, at);
  const rest = file.slice(at + 3);
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return entries.some((entry) => isExecutable(path.join(dir, entry, rest)));
};

/**
 * What to do about the missing packages: nothing, install them, or stop with the command to run.
 * Pure, so it is unit-tested.
 * @param {{ missing: string[], isRoot: boolean, hasAptGet: boolean }} facts
 * @returns {{ action: 'none' } | { action: 'install', packages: string[] } | { action: 'stop', message: string }}
 */
function plan({ missing, isRoot, hasAptGet }) {
  if (missing.length === 0) return { action: 'none' };
  const packages = missing.join(' ');
  if (isRoot && hasAptGet) return { action: 'install', packages: missing };
  const command = hasAptGet ? `sudo apt-get install -y --no-install-recommends ${packages}` : `install ${packages} with your system's package manager`;
  return { action: 'stop', message: `npm test needs the Debian package(s) ${packages}, which are not installed: ${command}` };
}

function main() {
  const tools = process.argv.includes('--cluster') ? [...TOOLS, ...CLUSTER_TOOLS] : TOOLS;
  const missing = tools.filter((tool) => !isPresent(tool.path)).map((tool) => tool.pkg);
  const decision = plan({
    missing,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: isExecutable('/usr/bin/apt-get'),
  });
  if (decision.action === 'none') return;
  if (decision.action === 'stop') {
    console.error(decision.message);
    process.exit(1);
  }
  const logDir = path.resolve(__dirname, '../../.data');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'apt-get.log');
  console.log(`installing Debian packages the tests use: ${decision.packages.join(' ')} (apt-get, about a minute; output in ${logFile})`);
  const out = fs.openSync(logFile, 'a');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...decision.packages]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', out, out], env });
    if (result.status !== 0) {
      console.error(`apt-get ${args[0]} failed (exit ${result.status}); see ${logFile}`);
      process.exit(1);
    }
  }
}

module.exports = { TOOLS, CLUSTER_TOOLS, plan };
if (require.main === module) main();
