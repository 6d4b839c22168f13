// Browser check of the plugin's editors: loads the harness page (browser/index.html, built by
// browser/webpack.config.ts) in Debian's Chromium through playwright-core, drives the config,
// query, variable and annotation editors as a user would, and asserts the state each one sent
// through onChange. Screenshots go to browser/screenshots/. Exits non-zero on any failure.
//
//   npm run test:browser          (builds the harness first)
//   CHROMIUM_PATH=/path/to/chrome node browser/check.mjs
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
// @grafana/ui fetches its icons from <public path>build/img/icons/; the package ships them here.
const iconsDir = join(here, '..', 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img');
// CHROMIUM_PATH, when set, is the only candidate: a typo there should fail, not fall back.
const CHROMIUM_CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const STEP_TIMEOUT_MS = 10_000;

function fail(message) {
  console.error(`browser check FAILED: ${message}`);
  process.exit(1);
}

const executablePath = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
if (!executablePath) {
  fail(
    `Chromium not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}). ` +
      'Install it with `apt-get install -y chromium` or set CHROMIUM_PATH to a Chromium or Chrome binary.'
  );
}
if (!existsSync(join(here, 'dist', 'harness.js'))) {
  fail(
    'browser/dist/harness.js is missing: build it with `npx webpack -c ./browser/webpack.config.ts` (npm run test:browser does).'
  );
}

const CONTENT_TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.png': 'image/png' };

/**
 * Serves the harness over HTTP on a free local port (icons are fetched, which file:// URLs do not
 * allow): /public/build/img/... from @grafana/ui's icons, everything else from browser/.
 */
function serve() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const [root, rest] = path.startsWith('/public/build/img/')
      ? [iconsDir, path.slice('/public/build/img/'.length)]
      : [here, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(root, rest));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end(`not found: ${path}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Throws with both values when they differ (deep equality; key order does not matter). */
function expectEqual(what, got, want) {
  if (!isDeepStrictEqual(got, want)) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

/** The JSON state the harness prints for one editor. */
async function state(page, id) {
  return JSON.parse(await page.getByTestId(id).textContent());
}

async function runs(page, id) {
  return Number(await page.getByTestId(`${id}-runs`).textContent());
}

/**
 * Clicks a state's label, the visible part of Grafana's checkbox (the input itself is styled
 * away), and waits for the checkbox to reach the wanted state.
 */
async function toggleState(scope, name, checked) {
  const box = scope.getByRole('checkbox', { name, exact: true });
  if ((await box.isChecked()) === checked) {
    throw new Error(`${name} is already ${checked ? 'checked' : 'unchecked'}`);
  }
  await box.locator('xpath=ancestor::label[1]').click();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while ((await box.isChecked()) !== checked) {
    if (Date.now() > deadline) {
      throw new Error(`clicking ${name} did not ${checked ? 'check' : 'uncheck'} it`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function checkConfig(page) {
  const config = page.getByTestId('config');
  await config.getByLabel(/Prometheus URL/).fill('http://prometheus:9090');
  expectEqual(
    'jsonData.prometheusUrl',
    (await state(page, 'config-state')).jsonData.prometheusUrl,
    'http://prometheus:9090'
  );

  await config.getByLabel(/Loki URL/).fill('loki.example.com');
  await config.getByText('Use an absolute URL such as http://prometheus:9090').waitFor();
  await config.getByLabel(/Loki URL/).fill('http://loki:3100');

  await config.getByLabel(/Receiver URL/).fill('http://foresight-receiver:8080');
  await config.getByLabel(/^Receiver token/).fill('s3cret');
  const { jsonData, secureJsonData } = await state(page, 'config-state');
  expectEqual('jsonData.receiverUrl', jsonData.receiverUrl, 'http://foresight-receiver:8080');
  expectEqual('jsonData.lokiUrl', jsonData.lokiUrl, 'http://loki:3100');
  expectEqual('secureJsonData.receiverToken', secureJsonData.receiverToken, 's3cret');
  expectEqual('token kept out of jsonData', jsonData.receiverToken, undefined);
  await config.screenshot({ path: join(shots, 'config-editor.png') });
}

async function checkAnomalyQuery(page) {
  const query = page.getByTestId('query');
  await query.getByRole('radio', { name: 'Anomaly' }).check();
  await query.getByLabel('PromQL').fill('sum by (service) (rate(http_requests_total{code=~"5.."}[5m]))');
  await query.getByLabel('PromQL').blur();
  // The slider's number input: type a value and leave it, as a user does.
  const sensitivity = query.getByLabel('Sensitivity');
  await sensitivity.fill('0.8');
  await sensitivity.blur();
  await query.getByRole('radio', { name: 'Weekly' }).click();
  const q = await state(page, 'query-state');
  expectEqual(
    'anomaly query',
    [q.kind, q.expr, q.sensitivity, q.seasonality],
    ['anomaly', 'sum by (service) (rate(http_requests_total{code=~"5.."}[5m]))', 0.8, 'weekly']
  );
  await query.screenshot({ path: join(shots, 'query-anomaly.png') });
}

async function checkKindSwitches(page) {
  const query = page.getByTestId('query');
  await query.getByRole('radio', { name: 'Forecast' }).click();
  await query.getByLabel('Horizon').fill('3d');
  expectEqual('forecast keeps the PromQL', (await state(page, 'query-state')).kind, 'forecast');
  expectEqual('forecast horizon', (await state(page, 'query-state')).horizon, '3d');

  await query.getByRole('radio', { name: 'Log patterns' }).click();
  expectEqual('patterns clears the PromQL', (await state(page, 'query-state')).expr, '');
  await query.getByLabel('LogQL').waitFor();
}

async function checkIncidentsQuery(page) {
  const query = page.getByTestId('query');
  await query.getByRole('radio', { name: 'Incidents' }).click();
  if ((await query.getByLabel('PromQL').count()) + (await query.getByLabel('LogQL').count()) !== 0) {
    throw new Error('the incidents editor shows an expression field');
  }
  // The states start at the backend default (open, acknowledged); add resolved, drop acknowledged.
  await toggleState(query, 'Resolved', true);
  await toggleState(query, 'Acknowledged', false);
  await query.getByLabel('Service').fill('$service');
  await query.getByLabel('Limit').fill('25');
  await query.getByLabel('Limit').blur();
  const q = await state(page, 'query-state');
  expectEqual(
    'incidents query',
    [q.kind, q.expr, q.states, q.service, q.limit],
    ['incidents', '', ['open', 'resolved'], '$service', 25]
  );

  await query.getByLabel('Limit').fill('900');
  await query.getByText('Use a whole number from 1 to 500').waitFor();
  const before = await runs(page, 'query-state');
  await query.getByLabel('Limit').blur();
  expectEqual('an out-of-range limit does not run', await runs(page, 'query-state'), before);
  await query.getByLabel('Limit').fill('25');
  await query.screenshot({ path: join(shots, 'query-incidents.png') });
}

async function checkHypothesesQuery(page) {
  const query = page.getByTestId('query');
  await query.getByRole('radio', { name: 'Hypotheses' }).click();
  await query.getByLabel('Incident', { exact: true }).fill('$incident');
  const q = await state(page, 'query-state');
  expectEqual('hypotheses query', [q.kind, q.incidentId], ['hypotheses', '$incident']);
  await query.screenshot({ path: join(shots, 'query-hypotheses.png') });
}

async function checkVariableAndAnnotation(page) {
  const variable = page.getByTestId('variable');
  await variable.getByRole('radio', { name: 'Open incidents' }).click();
  expectEqual('variable query', await state(page, 'variable-state'), {
    refId: 'variable',
    kind: 'variables',
    expr: '',
    variable: 'incidents',
  });
  await variable.screenshot({ path: join(shots, 'variable-editor.png') });

  const annotation = page.getByTestId('annotation');
  await toggleState(annotation, 'Merged', true);
  await annotation.getByLabel('Service').fill('checkout');
  const a = await state(page, 'annotation-state');
  expectEqual(
    'annotation query',
    [a.kind, a.states, a.service],
    ['annotations', ['open', 'acknowledged', 'merged'], 'checkout']
  );
  await annotation.screenshot({ path: join(shots, 'annotation-editor.png') });
}

const CHECKS = [
  ['config editor: URLs, validation, secret token', checkConfig],
  ['query editor: anomaly expression, sensitivity, seasonality', checkAnomalyQuery],
  ['query editor: kind switches (forecast, log patterns)', checkKindSwitches],
  ['query editor: incidents states, service, limit', checkIncidentsQuery],
  ['query editor: hypotheses incident', checkHypothesesQuery],
  ['variable and annotation editors', checkVariableAndAnnotation],
];

async function main() {
  mkdirSync(shots, { recursive: true });
  rmSync(join(shots, 'failure.png'), { force: true });
  const started = Date.now();
  const server = await serve();
  const pageUrl = `http://127.0.0.1:${server.address().port}/`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // Chromium refuses to run as root with its sandbox on.
    args: isRoot ? ['--no-sandbox'] : [],
  });
  const errors = [];
  let failed = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      // Grafana's fonts ship with the Grafana server, not with @grafana/ui: the page falls back.
      if (res.status() >= 400 && !new URL(res.url()).pathname.startsWith('/public/fonts/')) {
        errors.push(`HTTP ${res.status()} for ${res.url()}`);
      }
    });
    page.on('console', (msg) => {
      // Failed responses are reported with their URL above.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        errors.push(`console error: ${msg.text()}`);
      }
    });
    await page.goto(pageUrl);
    await page.getByTestId('query-state').waitFor();

    for (const [name, check] of CHECKS) {
      try {
        await check(page);
        console.log(`ok    ${name}`);
      } catch (err) {
        failed = true;
        console.error(`FAIL  ${name}\n      ${err.message.split('\n').join('\n      ')}`);
        await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
        break;
      }
    }
    await page.screenshot({ path: join(shots, 'harness.png'), fullPage: true });
  } finally {
    await browser.close();
    server.close();
  }
  if (errors.length > 0) {
    failed = true;
    console.error(`the page reported errors:\n  ${errors.join('\n  ')}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failed) {
    fail(`see the messages above and browser/screenshots/ (${seconds}s, ${executablePath})`);
  }
  console.log(
    `browser check passed: ${CHECKS.length} checks in ${seconds}s with ${executablePath}; screenshots in browser/screenshots/`
  );
}

main().catch((err) => fail(err.stack ?? String(err)));
