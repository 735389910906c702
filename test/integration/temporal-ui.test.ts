import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitForConversion } from '../../src/conversions';
import { startStack, uniqueId, type TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

/**
 * The operator's view of a conversion, in a real browser: the Temporal Web UI of the shared dev
 * server, searched by provider task id. The browser is Debian's `chromium`, installed by `npm test`'s first step (test/support/debian-tools.js);
 * nothing is downloaded at run time.
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = resolve(__dirname, '../../test-results');
const FAILURE_SCREENSHOT = join(SCREENSHOTS, 'temporal-ui-failure.png');

let stack: TestStack | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The Temporal UI test drives a real browser and downloads none: ` +
        'npm test installs it (as root), or install it with `apt-get install chromium`.',
    );
  }
  if (!process.env.WAVFLOW_TEST_TEMPORAL_UI_URL?.startsWith('http')) {
    throw new Error('WAVFLOW_TEST_TEMPORAL_UI_URL is not set: the global setup must start the dev server with its Web UI');
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  await rm(FAILURE_SCREENSHOT, { force: true }); // only a failure of this run leaves one
  [stack, browser] = await Promise.all([
    startStack(),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    }),
  ]);
  // Tall enough that the page (which scrolls inside its own panes) shows the whole workflow view.
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a completed conversion is found in the Temporal UI by its provider task id and shows its summary', async () => {
  if (!stack) throw new Error('stack not started');
  const uiUrl = (process.env.WAVFLOW_TEST_TEMPORAL_UI_URL ?? '').replace(/\/+$/, '');
  const audioId = uniqueId('ui');
  const { conversionId } = await stack.start({ audioId, pollIntervalSeconds: 600 });
  const result = await waitForConversion(stack.client, conversionId);
  const query = `WavProviderTaskId="${result.wavTaskId}"`;
  const summary = `WAV conversion of audio ${audioId}`;
  // Visibility is eventually consistent: wait until it lists the closed run, so the UI shows its final state.
  const client = stack.client;
  await waitFor(
    'visibility to list the completed conversion',
    async () => {
      for await (const execution of client.workflow.list({ query: `${query} AND ExecutionStatus="Completed"` })) {
        if (execution.workflowId === conversionId) return true;
      }
      return false;
    },
    20_000,
    200,
  );

  try {
    // The workflows page of namespace `default`; the search is typed into the UI's raw-query box.
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await page.getByTestId('toggle-manual-query').click();
    const searchBox = page.getByTestId('manual-search-input');
    await searchBox.fill(query);
    await searchBox.press('Enter');
    await waitFor('the UI to apply the search', () => new URL(page.url()).searchParams.get('query') === query);

    const rows = page.getByTestId('workflows-summary-configurable-table-row');
    const row = rows.filter({ has: page.getByRole('link', { name: conversionId, exact: true }) });
    // Until the filtered list is in, the table may still show the unfiltered one: wait for exactly our row.
    await waitFor(
      `the search to list ${conversionId}, and only it`,
      async () => {
        if ((await rows.count()) === 1 && (await row.isVisible())) return true;
        await page.getByTestId('manual-search-button').click(); // as an operator would: search again
        return false;
      },
      20_000,
      500,
    );
    expect(await rows.count()).toBe(1); // the provider task id names exactly this conversion
    expect(await row.innerText()).toContain('Completed');
    await page.screenshot({ path: join(SCREENSHOTS, 'temporal-ui-search.png'), fullPage: true });

    // The workflow's page: its summary on the start event, then in the User Metadata tab.
    await row.getByRole('link', { name: conversionId, exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith(`/namespaces/default/workflows/${encodeURIComponent(conversionId)}/`));
    const startedEventSummary = page.getByTestId('event-summary-row').getByText(summary, { exact: true });
    await waitFor('the summary on the start event', () => startedEventSummary.isVisible());

    await page.getByRole('tab', { name: 'User Metadata', exact: true }).click();
    // The section under the "Summary" heading renders it as markdown in an iframe (the Details and
    // Events headings share the heading's test id, hence the text filter).
    const summaryHeading = page.getByTestId('user-metadata-summary-heading').filter({ hasText: /^Summary$/ });
    const summarySection = summaryHeading.locator('xpath=../following-sibling::section[1]');
    const renderedSummary = summarySection.locator('iframe').contentFrame().getByText(summary, { exact: true });
    await waitFor('the summary in the User Metadata tab', () => renderedSummary.isVisible());
    expect(await page.getByRole('heading', { name: conversionId, exact: true }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'temporal-ui-conversion.png'), fullPage: true });
  } catch (err) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
    throw err;
  }
});
