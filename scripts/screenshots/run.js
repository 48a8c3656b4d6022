#!/usr/bin/env node
/**
 * `npm run screenshots [-- name…]`: pictures of the mini-program's pages, rendered from their
 * real WXML and WXSS with the test fixtures, for review without WeChat DevTools.
 *
 * 1. jest renders each scenario of ./scenarios.js in jsdom (./render.shots.js) and writes it out
 *    as an HTML document with the page's CSS;
 * 2. Debian's Chromium (driven by playwright-core) loads each document, offline, and saves
 *    docs/screenshots/<name>.png (a 375 px wide phone at 2× pixels);
 * 3. docs/screenshots.md is written anew, embedding them in the order of ./scenarios.js.
 *
 * Names given: only those scenarios are rendered (their PNGs replaced, the page lists them all).
 * Needs Chromium (`apt-get install -y chromium`) and a Chinese font (`apt-get install -y
 * fonts-noto-cjk`); not part of `npm test` or CI.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const SHOTS_DIR = path.join(ROOT, 'docs', 'screenshots');
const DOC = path.join(ROOT, 'docs', 'screenshots.md');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  // Without these Chromium reaches for the internet (no network here: refused connections).
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PHONE = { width: 375, height: 667 };

function fail(message) {
  console.error(`screenshots: ${message}`);
  process.exit(1);
}

function checkTools() {
  if (!fs.existsSync(CHROMIUM)) {
    fail(
      `Chromium is missing (no ${CHROMIUM}). Install Debian's package: ` +
        '`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).',
    );
  }
  const fonts = spawnSync('fc-list', [':lang=zh-cn', 'family'], { encoding: 'utf8' });
  if (fonts.status === 0 && !fonts.stdout.trim()) {
    fail('no Chinese font: the pages would show empty boxes. Install one: `apt-get install -y fonts-noto-cjk`.');
  }
}

/** Step 1: jest renders the pages to HTML in `out` (with the charts' sizes, when known). */
function renderPages(out, only, canvasSizesFile) {
  const env = { ...process.env, SCREENSHOTS_OUT: out, SCREENSHOTS_ONLY: only.join(',') };
  if (canvasSizesFile) env.SCREENSHOTS_CANVAS_SIZES = canvasSizesFile;
  const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '-c', path.join(__dirname, 'jest.config.js'), '--forceExit'], {
    cwd: ROOT,
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0) fail('rendering the pages in jsdom failed (see above)');
  return fs
    .readdirSync(out)
    .filter((f) => f.endsWith('.shot.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')));
}

async function launch() {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, offline: true });
  // The documents are self-contained: anything they would fetch is a bug, and is refused.
  await context.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  return { browser, page: await context.newPage() };
}

async function load(page, out, name) {
  await page.setViewportSize(PHONE);
  await page.setContent(fs.readFileSync(path.join(out, `${name}.html`), 'utf8'), { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready);
}

/** Step 2: where Chromium lays out each page's canvases (charts are drawn to that size). */
async function canvasSizes(page, out, shots) {
  const sizes = {};
  for (const shot of shots) {
    if (!fs.readFileSync(path.join(out, `${shot.name}.html`), 'utf8').includes('<wx-canvas')) continue;
    await load(page, out, shot.name);
    sizes[shot.name] = await page.evaluate(() =>
      Array.from(document.querySelectorAll('wx-canvas'), (el) => {
        const box = el.getBoundingClientRect();
        return { width: Math.round(box.width), height: Math.round(box.height) };
      }),
    );
  }
  return sizes;
}

/** Step 3: Chromium takes the pictures. */
async function photograph(page, out, shots) {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  for (const shot of shots) {
    await load(page, out, shot.name);
    // A whole page: the window grows to the page's height, so what is fixed to the bottom of
    // the window (an action bar) is drawn at the bottom of the page, not over its middle.
    const height = shot.viewport ? PHONE.height : await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: PHONE.width, height: Math.max(PHONE.height, height) });
    const file = path.join(SHOTS_DIR, `${shot.name}.png`);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    console.log(`  ${path.relative(ROOT, file)}`);
  }
}

function pagesWithoutScenario() {
  const { pages } = JSON.parse(fs.readFileSync(path.join(ROOT, 'miniprogram', 'app.json'), 'utf8'));
  const shown = new Set(require('./scenarios').scenarios.map((s) => `pages/${s.page}/${s.page}`));
  return pages.filter((p) => !shown.has(p));
}

/** After a full run: pictures of scenarios that no longer exist go. */
function removeStale() {
  const names = new Set(require('./scenarios').scenarios.map((s) => `${s.name}.png`));
  for (const file of fs.readdirSync(SHOTS_DIR)) {
    if (file.endsWith('.png') && !names.has(file)) {
      fs.rmSync(path.join(SHOTS_DIR, file));
      console.log(`  removed ${path.relative(ROOT, path.join(SHOTS_DIR, file))} (no such scenario)`);
    }
  }
}

/** Headings of docs/screenshots.md, by page folder (a page not named here goes by its folder). */
const PAGE_TITLES = {
  login: 'Sign-in',
  leads: 'Lead list',
  lead: 'Lead detail',
  'follow-up': 'Follow-up',
  'chat-tool': 'Chat toolbar entry',
  entry: 'Member entry (store staff)',
  stats: 'Stats (managers)',
};

/** Step 4: the page that shows them. */
function writeDoc() {
  const { scenarios } = require('./scenarios');
  const byPage = new Map();
  for (const s of scenarios) {
    if (!fs.existsSync(path.join(SHOTS_DIR, `${s.name}.png`))) continue;
    if (!byPage.has(s.page)) byPage.set(s.page, []);
    byPage.get(s.page).push(s);
  }
  const lines = [
    '# Mini-program screenshots',
    '',
    'The pages of the mini-program (`miniprogram/`), rendered from their real WXML and WXSS with the',
    'test fixtures (`miniprogram/test/fixtures/`) by `npm run screenshots`, for review without WeChat',
    'DevTools. A 375 px wide phone; the navigation bar is drawn as the WeChat client draws it.',
    'This file is written by the script: change `scripts/screenshots/scenarios.js` instead.',
    '',
    '## Regenerating',
    '',
    '```sh',
    'apt-get update && apt-get install -y chromium fonts-noto-cjk   # once',
    'npm run screenshots                 # every scenario',
    'npm run screenshots -- lead-detail  # only these (names as below)',
    '```',
    '',
    'How it works: the page tests\' helpers (`miniprogram/test/support/render.ts`) render each page in',
    'jsdom with miniprogram-simulate, `wx.request` answered from the fixtures; the rendered DOM, the',
    'page\'s WXSS, `app.wxss` and the WXSS of every component it uses (TDesign\'s and ours) become one',
    'HTML document (rpx → px, WXML tags as rendered, built-in components drawn, TDesign\'s icons from',
    '`tdesign-icons-svg`), which headless Chromium photographs offline. Details in',
    '`scripts/screenshots/`.',
    '',
    'What the pictures leave out: what WeChat draws natively outside the page (toasts, modal',
    'dialogs, the pickers\' wheels, the status bar); the text is in Noto Sans CJK where a phone uses',
    'its own font (PingFang SC on iOS); remote pictures (avatars) are grey boxes, as nothing is fetched.',
    '',
  ];
  for (const [pageName, shots] of byPage) {
    lines.push(`## ${PAGE_TITLES[pageName] ?? pageName} (\`pages/${pageName}\`)`, '');
    for (const s of shots) {
      lines.push(`### ${s.caption}`, '', `\`${s.name}\``, '', `<img src="screenshots/${s.name}.png" width="375" alt="${s.caption.replace(/"/g, '&quot;')}">`, '');
    }
  }
  fs.writeFileSync(DOC, lines.join('\n'));
  console.log(`  ${path.relative(ROOT, DOC)}`);
}

async function main() {
  const only = process.argv.slice(2);
  const known = new Set(require('./scenarios').scenarios.map((s) => s.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length) fail(`no scenario named ${unknown.join(', ')}; there are: ${[...known].join(', ')}`);
  checkTools();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-screenshots-'));
  let browser = null;
  try {
    let shots = renderPages(out, only, null);
    if (!shots.length) fail('no scenario was rendered');
    let page;
    ({ browser, page } = await launch());
    const sizes = await canvasSizes(page, out, shots);
    if (Object.keys(sizes).length) {
      console.log(`\ndrawing the charts of ${Object.keys(sizes).join(', ')} at their laid-out size:`);
      const sizesFile = path.join(out, 'canvas-sizes.json');
      fs.writeFileSync(sizesFile, JSON.stringify(sizes));
      shots = renderPages(out, Object.keys(sizes), sizesFile);
    }
    console.log(`\nphotographing ${shots.length} page(s) in Chromium:`);
    await photograph(page, out, shots);
    if (!only.length) removeStale();
    writeDoc();
    for (const s of shots) for (const w of s.warnings) console.warn(`warning: ${s.name}: ${w}`);
    const missing = pagesWithoutScenario();
    if (missing.length) console.warn(`warning: pages in app.json with no scenario (add one to scripts/screenshots/scenarios.js): ${missing.join(', ')}`);
  } finally {
    if (browser) await browser.close();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err) => fail(err.stack || String(err)));
