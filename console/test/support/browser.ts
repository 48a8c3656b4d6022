import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from './demo-server';

/** Debian's Chromium (apt-get install -y chromium); CHROMIUM_PATH elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasBrowser = fs.existsSync(CHROMIUM);

/** Flags that keep a headless Chromium off the network it cannot reach here (machine-facts.md). */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Like describe, or a skip that says why when there is no browser. */
export function describeInBrowser(name: string, body: () => void): void {
  if (hasBrowser) describe(name, body);
  else describe.skip(`${name} [SKIPPED: no Chromium at ${CHROMIUM}; apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH]`, body);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
  const page = await context.newPage();
  // Generous: CI's two cores build and test side by side; a slow page is not what these tests measure.
  page.setDefaultTimeout(30_000);
  return page;
}

/** Where the tests' screenshots go: docs/screenshots/console/, shown in README and docs. */
export const SHOTS = path.resolve(__dirname, '../../../docs/screenshots/console');

/**
 * The page as a person scrolls through it: the console's layout scrolls inside its main panel,
 * so the window is made as tall as that panel's content for the picture, then put back.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const viewport = page.viewportSize();
  const contentHeight = await page.evaluate(() => {
    const main = document.querySelector('.el-main');
    return main ? main.scrollHeight + (main.getBoundingClientRect().top || 0) : document.documentElement.scrollHeight;
  });
  if (viewport && contentHeight > viewport.height) await page.setViewportSize({ width: viewport.width, height: Math.min(contentHeight + 8, 4000) });
  await page.waitForTimeout(300); // charts resize to the new window
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (viewport) await page.setViewportSize(viewport);
}

/**
 * What a browser suite needs around each test: the demo server and Chromium for the file, a
 * fresh page (its own cookies) for each test, and no simulator fault left over from one test to
 * the next. Call it inside describeInBrowser; read `server` and `page` from what it returns.
 */
export function useDemoInBrowser(): { readonly server: DemoServer; readonly page: Page } {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await newPage(browser!);
  });
  afterEach(async () => {
    server?.simulator.faults.clear();
    await page?.context().close();
  });
  return {
    get server() {
      return server!;
    },
    get page() {
      return page!;
    },
  };
}
