// The three browser engines behind one small interface, so one test list runs on all:
//   const engine = await engines.chromium();   // or firefox, webkit
//   await engine.open(url); await engine.evaluate('document.title'); await engine.close();
// - Chromium through Playwright.
// - Firefox through Marionette, Firefox's own WebDriver protocol. Not Playwright: its
//   WebDriver BiDi session stalls Firefox ESR's nested workers at random (a worker three
//   levels deep is created and its script never starts: fib(7) hung in 5 of 6 runs under
//   Playwright 1.60, and in 0 of 5 in the same Firefox with no automation or Marionette).
// - WebKit (WebKitGTK's MiniBrowser) through WebKitWebDriver under Xvfb, since Playwright
//   cannot drive Debian's WebKit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { marionette } from './marionette.mjs';

const launchTimeoutMs = 60000;

async function playwrightEngine(name, launch) {
  const browser = await launch;
  const page = await browser.newPage();
  return {
    name,
    version: browser.version(),
    open: url => page.goto(url, { timeout: launchTimeoutMs }),
    evaluate: expression => page.evaluate(expression),
    screenshot: file => page.screenshot({ path: file, fullPage: true }),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// One W3C WebDriver request, with a deadline: a browser that fails to start makes
// POST /session hang forever otherwise.
async function webdriver(base, method, path, body, timeoutMs = launchTimeoutMs) {
  const response = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await response.json();
  if (!response.ok || (json.value && json.value.error)) {
    throw new Error(`WebDriver ${method} ${path}: ${json.value ? json.value.error + ': ' + json.value.message : response.status}`);
  }
  return json.value;
}

async function webkitEngine() {
  const port = await freePort();
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], { detached: true, stdio: 'ignore' });
  const stopDriver = () => { try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ } };
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        await webdriver(base, 'GET', '/status', undefined, 1000);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error('WebKitWebDriver did not start: ' + e.message);
        await new Promise(r => setTimeout(r, 200));
      }
    }
    const session = await webdriver(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': {
            binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
            args: ['--automation'],
          },
        },
      },
    });
    const at = `/session/${session.sessionId}`;
    return {
      name: 'webkit',
      version: session.capabilities.browserVersion,
      open: url => webdriver(base, 'POST', `${at}/url`, { url }),
      evaluate: expression => webdriver(base, 'POST', `${at}/execute/sync`, { script: `return (${expression});`, args: [] }),
      screenshot: async file => writeFile(file, Buffer.from(await webdriver(base, 'GET', `${at}/screenshot`), 'base64')),
      close: async () => {
        try { await webdriver(base, 'DELETE', at, undefined, 10000); } finally { stopDriver(); }
      },
    };
  } catch (e) {
    stopDriver();
    throw e;
  }
}

// Prefs that keep Firefox quiet on a machine without internet access.
const firefoxPrefs = {
  'app.update.disabledForTesting': true,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  'extensions.update.enabled': false,
};

async function firefoxEngine() {
  const port = await freePort();
  const profile = mkdtempSync(join(tmpdir(), 'wasm-mt-firefox-'));
  const prefs = { ...firefoxPrefs, 'marionette.port': port };
  writeFileSync(join(profile, 'user.js'),
                Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const browser = spawn('firefox-esr', ['--headless', '--marionette', '--no-remote', '--profile', profile],
                        { detached: true, stdio: 'ignore' });
  const stop = () => {
    try { process.kill(-browser.pid, 'SIGTERM'); } catch { /* gone */ }
    setTimeout(() => rmSync(profile, { recursive: true, force: true }), 1000).unref();
  };
  try {
    let client;
    const deadline = Date.now() + launchTimeoutMs;
    while (!client) {
      try {
        client = await marionette(port, launchTimeoutMs);
      } catch (e) {
        if (Date.now() > deadline) throw new Error('Firefox (Marionette) did not start: ' + e.message);
        await new Promise(r => setTimeout(r, 200));
      }
    }
    const session = await client.send('WebDriver:NewSession', { capabilities: { alwaysMatch: {} } });
    return {
      name: 'firefox',
      version: session.capabilities.browserVersion,
      open: url => client.send('WebDriver:Navigate', { url }),
      evaluate: async expression =>
        (await client.send('WebDriver:ExecuteScript', { script: `return (${expression});`, args: [] })).value,
      screenshot: async file =>
        writeFile(file, Buffer.from((await client.send('WebDriver:TakeScreenshot', { full: true })).value, 'base64')),
      close: async () => {
        try { await client.send('WebDriver:DeleteSession'); } catch { /* closing anyway */ }
        client.close();
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}

export const engines = {
  chromium: () => playwrightEngine('chromium', chromium.launch({
    executablePath: '/usr/bin/chromium',
    timeout: launchTimeoutMs,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run',
           // performance.measureUserAgentSpecificMemory at once, not at the next GC (the benchmark's memory page)
           '--enable-blink-features=ForceEagerMeasureMemory'],
  })),
  firefox: firefoxEngine,
  webkit: webkitEngine,
};
