/**
 * The jsdom half of `npm run screenshots` (./run.js starts it through ./jest.config.js; never
 * part of `npm test`): each scenario of ./scenarios.js opens its page with the page tests' own
 * helpers (miniprogram/test/support/render.ts: the real WXML, WXSS and TypeScript in
 * miniprogram-simulate, wx.request faked with miniprogram/test/fixtures/), and the rendered DOM
 * is written out as a complete HTML document with the page's CSS (./wxss.js), the built-ins'
 * markup (./dom.js) and TDesign's icons (./icons.js), for ./run.js to photograph in Chromium.
 *
 * SCREENSHOTS_OUT: the folder for the HTML files; SCREENSHOTS_ONLY: scenario names, comma-separated;
 * SCREENSHOTS_CANVAS_SIZES: a JSON file of the canvases' sizes per scenario, as Chromium laid them
 * out (`{ "stats": [{ "width": 327, "height": 200 }] }`, in document order), to draw charts.
 */
const fs = require('node:fs');
const path = require('node:path');
const { scenarios } = require('./scenarios');
const { pageCss, convertUnits, WINDOW_HEIGHT, PHONE_WIDTH } = require('./wxss');
const { completeBuiltIns, placeholders, latinWords } = require('./dom');
const { iconCss } = require('./icons');
const { answerCanvasQueries, REPLAY } = require('./canvas');

const OUT = process.env.SCREENSHOTS_OUT;
if (!OUT) throw new Error('SCREENSHOTS_OUT is not set: run `npm run screenshots`');
const ONLY = (process.env.SCREENSHOTS_ONLY ?? '').split(',').filter(Boolean);
const CANVAS_SIZES = process.env.SCREENSHOTS_CANVAS_SIZES ? JSON.parse(fs.readFileSync(process.env.SCREENSHOTS_CANVAS_SIZES, 'utf8')) : {};
/**
 * "Now" in every picture: the fixtures' day, 11:30 in Shanghai (after everything the fixtures
 * say happened that day), so 今天/明天 and the dates read the same on every run.
 */
const NOW = '2026-12-01T03:30:00.000Z';
const WECHAT_CSS = fs.readFileSync(path.join(__dirname, 'wechat.css'), 'utf8');
/** Latin text that belongs on a page (a command the demo sign-in tells a developer to run). */
const ALLOWED_LATIN = ['npm run demo:login-code'];

/**
 * miniprogram-simulate runs a component's JS once per load to catch its Component() call, and
 * under jest a module runs once: a component loaded a second time (t-icon inside t-button and
 * again inside t-empty) would render as an empty placeholder. The first Component() call of each
 * file is kept and given again on every later load.
 */
function replayComponentRegistrations() {
  const utils = require('miniprogram-simulate/src/utils');
  const run = utils.runJs;
  const definitions = new Map();
  utils.runJs = (file) => {
    if (definitions.has(file)) {
      globalThis.Component(definitions.get(file));
      return;
    }
    const register = globalThis.Component;
    let definition = null;
    globalThis.Component = (options) => {
      definition = options;
      return register(options);
    };
    try {
      run(file);
    } finally {
      globalThis.Component = register;
    }
    if (definition) definitions.set(file, definition);
  };
}

/**
 * `<t-button class="actions__button">`: TDesign's components have no host element (virtualHost)
 * and take `class` as an external class, which WeChat puts on their inner root element.
 * j-component sets `class` on the component itself and drops it; this passes it on as the
 * external class it is.
 */
function classAsExternalClass() {
  const exparser = require('miniprogram-exparser');
  let proto = exparser.Component.prototype;
  while (proto && !Object.getOwnPropertyDescriptor(proto, 'class')) proto = Object.getPrototypeOf(proto);
  if (!proto) throw new Error('miniprogram-exparser has no class property to hook: update scripts/screenshots');
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'class');
  Object.defineProperty(proto, 'class', {
    ...descriptor,
    set(value) {
      if (this instanceof exparser.Component && this.hasExternalClass('class')) this.setExternalClass('class', value);
      descriptor.set.call(this, value);
    },
  });
}

/** Inline styles (`style="width: 48rpx"`) get the same rpx → px as the WXSS (simulate's is 1:1). */
function convertInlineRpx() {
  require('j-component/src/tool/utils').transformRpx = (style) => convertUnits(String(style));
}

const escapeHtml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function windowOf(mpRoot, pageName) {
  const app = JSON.parse(fs.readFileSync(path.join(mpRoot, 'app.json'), 'utf8'));
  const page = JSON.parse(fs.readFileSync(path.join(mpRoot, 'pages', pageName, `${pageName}.json`), 'utf8'));
  return { ...app.window, ...page };
}

function navigationBar(window, title, back) {
  if (window.navigationStyle === 'custom') return '';
  const color = window.navigationBarTextStyle === 'white' ? '#fff' : '#000';
  return (
    `<div class="mp-nav" style="background:${escapeHtml(window.navigationBarBackgroundColor ?? '#fff')};color:${color}">` +
    `${back ? '<span class="mp-nav__back"></span>' : ''}<span class="mp-nav__title">${escapeHtml(title ?? '')}</span>` +
    '<span class="mp-nav__capsule"><i></i></span></div>'
  );
}

function htmlDocument({ css, body, window, title, back, screen }) {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=${PHONE_WIDTH}">
<style>:root{--mp-window-height:${WINDOW_HEIGHT}px}</style>
<style>${WECHAT_CSS}</style>
<style>${css}</style>
</head>
<body${screen ? ' class="mp-screen"' : ''} style="background:${escapeHtml(window.backgroundColor ?? '#fff')}">
${navigationBar(window, title, back)}
${body}
<script>${REPLAY}</script>
</body>
</html>
`;
}

const selected = scenarios.filter((s) => !ONLY.length || ONLY.includes(s.name));
if (ONLY.length && selected.length !== ONLY.length) {
  const known = new Set(scenarios.map((s) => s.name));
  throw new Error(`unknown scenario(s): ${ONLY.filter((n) => !known.has(n)).join(', ')}`);
}

fs.mkdirSync(OUT, { recursive: true });

describe('screenshots', () => {
  for (const scenario of selected) {
    it(scenario.name, async () => {
      await jest.isolateModulesAsync(async () => {
        replayComponentRegistrations();
        convertInlineRpx();
        classAsExternalClass();
        const canvasSizes = CANVAS_SIZES[scenario.name] ?? [];
        answerCanvasQueries((el) => canvasSizes[Array.from(el.getRootNode().querySelectorAll('wx-canvas')).indexOf(el)] ?? null);
        const { openPage, wxFake: wx, settle, MP_ROOT, ...support } = require('../../miniprogram/test/support/render');
        const resolveNpmComponent = support.resolveNpmComponent ?? require('../../miniprogram/test/support/resolve').resolveNpmComponent;
        const { fixtures } = require('../../miniprogram/test/fixtures');
        const { freezeDate, unfreezeDate } = require('../../miniprogram/test/support/clock');

        freezeDate(NOW);
        try {
          wx.reset();
          wx.install();
          const titles = [];
          globalThis.wx.setNavigationBarTitle = ({ title }) => void titles.push(title);
          scenario.setup(wx, fixtures);
          const page = await openPage(scenario.page, scenario.query ?? {});
          if (scenario.act) await scenario.act(page, wx);
          await settle(16);
          if (wx.unmatched.length) throw new Error(`requests the scenario does not answer: ${wx.unmatched.join(', ')}`);

          const root = page.comp.dom;
          completeBuiltIns(root, MP_ROOT);
          const body = `<wx-page>${root.innerHTML}</wx-page>`;
          const pageFile = path.join(MP_ROOT, 'pages', scenario.page, scenario.page);
          const icons = iconCss(body);
          const css = `${pageCss({ mpRoot: MP_ROOT, pageFile, pagePrefix: root.tagName.toLowerCase(), resolveNpmComponent })}\n${icons.css}`;
          const pageWindow = windowOf(MP_ROOT, scenario.page);
          const html = htmlDocument({ css, body, window: pageWindow, title: titles.at(-1) ?? pageWindow.navigationBarTitleText, back: scenario.back, screen: scenario.viewport });

          const warnings = [];
          const unrendered = placeholders(root);
          if (unrendered.length) warnings.push(`components that did not render: ${[...new Set(unrendered)].join(', ')}`);
          if (icons.missing.length) warnings.push(`icons tdesign-icons-svg lacks: ${icons.missing.join(', ')}`);
          const latin = latinWords(root, ALLOWED_LATIN);
          if (latin.length) warnings.push(`Latin words a user reads: ${latin.join(', ')}`);

          fs.writeFileSync(path.join(OUT, `${scenario.name}.html`), html);
          fs.writeFileSync(
            path.join(OUT, `${scenario.name}.shot.json`),
            JSON.stringify({ name: scenario.name, page: scenario.page, caption: scenario.caption, viewport: !!scenario.viewport, warnings }),
          );
        } finally {
          unfreezeDate();
        }
      });
    });
  }
});
