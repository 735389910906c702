import { compareReleases } from './releases';

/**
 * CHANGELOG.md: a "## Unreleased" section, then one "## <version>" section per release. A
 * release that changes the workflow's commands without patched() says so in its section with a
 * line `Pinned-only: <why>`: its conversions run on its own build (Worker Versioning pins them),
 * so histories of older releases need not replay on it, and the command guard lets it pass.
 */
const SECTION = /^## +(\S+)[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/gm;
const PINNED_ONLY = /^\s*[-*]?\s*Pinned-only:\s*(.+)$/im;

function sections(changelog: string): Array<{ name: string; pinnedOnly: string | undefined }> {
  return [...changelog.matchAll(SECTION)].map((m) => ({ name: m[1] as string, pinnedOnly: PINNED_ONLY.exec(m[2] ?? '')?.[1]?.trim() }));
}

/** The coming release's declaration, when the code on this branch is pinned-only. */
export function pinnedOnlyDeclaration(changelog: string): string | undefined {
  return sections(changelog).find((s) => s.name.toLowerCase() === 'unreleased')?.pinnedOnly;
}

/**
 * Release folders that need not replay on this code, each with the reason: every release older
 * than the newest pinned-only one ("Unreleased" being newer than all).
 */
export function retiredReleases(changelog: string, releases: readonly string[]): Map<string, string> {
  const pinned = sections(changelog).filter((s) => s.pinnedOnly !== undefined);
  const newest = pinned.find((s) => s.name.toLowerCase() === 'unreleased') ?? pinned.sort((a, b) => compareReleases(b.name, a.name))[0];
  const retired = new Map<string, string>();
  if (!newest) return retired;
  for (const release of releases) {
    if (newest.name.toLowerCase() === 'unreleased' || compareReleases(release, newest.name) < 0) {
      retired.set(release, `${newest.name} is pinned-only: ${newest.pinnedOnly ?? ''}`);
    }
  }
  return retired;
}
