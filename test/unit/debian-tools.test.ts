import { plan, TOOLS } from '../support/debian-tools';

describe("npm test's first step: the Debian programs the tests drive", () => {
  test('nothing to do when every program is there', () => {
    expect(plan({ missing: [], isRoot: false, hasAptGet: true })).toEqual({ action: 'none' });
  });

  test('as root with apt-get, installs exactly what is missing', () => {
    expect(plan({ missing: ['sox', 'chromium'], isRoot: true, hasAptGet: true })).toEqual({ action: 'install', packages: ['sox', 'chromium'] });
  });

  test('as anyone else, stops with one line naming the packages and the exact command', () => {
    const decision = plan({ missing: ['sox', 'docker-compose'], isRoot: false, hasAptGet: true });
    if (decision.action !== 'stop') throw new Error(`expected stop, got ${decision.action}`);
    expect(decision.message).toContain('sox docker-compose');
    expect(decision.message).toContain('sudo apt-get install -y --no-install-recommends sox docker-compose');
    expect(decision.message).not.toContain('\n');
  });

  test('without apt-get, names the packages for another package manager', () => {
    const decision = plan({ missing: ['sox'], isRoot: true, hasAptGet: false });
    if (decision.action !== 'stop') throw new Error(`expected stop, got ${decision.action}`);
    expect(decision.message).toContain('sox');
    expect(decision.message).not.toContain('apt-get');
  });

  test('lists every program a test runs by absolute path', () => {
    expect(TOOLS.map((t) => t.path).sort()).toEqual(['/usr/bin/chromium', '/usr/bin/docker-compose', '/usr/bin/sox']);
  });
});
