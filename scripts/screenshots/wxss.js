/**
 * WXSS → CSS a browser understands, for the DOM that miniprogram-simulate renders:
 * - class names get the prefix miniprogram-simulate gives them (`<tag>--<class>`, `main--` for
 *   the page), by its own compile step, so the CSS matches the rendered classes exactly;
 * - app.wxss and the page's WXSS style the page, and the components whose styleIsolation lets
 *   page styles in (apply-shared, shared: all of TDesign's); our own components are isolated;
 * - WXML tag selectors become the elements miniprogram-simulate renders (`view` → `wx-view`,
 *   `page` → `wx-page`), `:host` the component's own element;
 * - rpx becomes px for a 375 px wide phone (750 rpx = 375 px), vh the page's window height;
 * - nothing is fetched: remote fonts and images are dropped (TDesign's icon font comes from a
 *   CDN; ./icons.js draws the icons instead).
 */
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const simulateRequire = createRequire(require.resolve('miniprogram-simulate/package.json'));
const postcss = simulateRequire('postcss');
const simulateWxss = require('miniprogram-simulate/src/wxss');
const { isOfficialTag } = require('j-component/src/tool/utils');

const PHONE_WIDTH = 375;
const RPX = PHONE_WIDTH / 750;
/** The page's window: an iPhone 8 screen (667 px) less the 44 px navigation bar. */
const WINDOW_HEIGHT = 667 - 44;

const round = (n) => Math.round(n * 1000) / 1000;

/** `24rpx` → `12px`; `100vh` → `623px`. Strings (content: '…') are left alone. */
function convertUnits(value) {
  return value
    .split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/)
    .map((part, i) =>
      i % 2
        ? part
        : part
            .replace(/(-?(?:\d+\.?\d*|\.\d+))rpx\b/gi, (_, n) => `${round(Number(n) * RPX)}px`)
            .replace(/(-?(?:\d+\.?\d*|\.\d+))vh\b/gi, (_, n) => `${round((Number(n) * WINDOW_HEIGHT) / 100)}px`),
    )
    .join('');
}

/** `view.a > text` → `wx-view.a > wx-text`; `page` → `wx-page`; `:host` → `hostTag`. */
function convertSelector(selector, hostTag) {
  return selector
    .replace(/:host(?:\(([^)]*)\))?/g, (_, inner) => `${hostTag}${inner ?? ''}`)
    .replace(/(^|[\s>+~(,])([a-z][a-z0-9-]*)(?=$|[\s.#:[>+~),])/g, (all, before, tag) => {
      if (tag === 'page') return `${before}wx-page`;
      if (isOfficialTag(tag)) return `${before}wx-${tag}`;
      return all;
    });
}

const REMOTE = /url\(\s*['"]?(?:https?:)?\/\//i;

/** Compiled (prefixed) WXSS → browser CSS. */
function toBrowserCss(compiled, hostTag) {
  const root = postcss.parse(compiled);
  root.walkAtRules('font-face', (rule) => {
    if (REMOTE.test(rule.toString())) rule.remove();
  });
  root.walkRules((rule) => {
    if (rule.parent.type === 'atrule' && /keyframes$/.test(rule.parent.name)) return;
    // TDesign's icon glyphs (`content: '\E001'`) need its icon font: ./icons.js draws them.
    if (rule.nodes.length === 1 && rule.nodes[0].prop === 'content' && /^['"]\\[eE][0-9a-fA-F]{3}['"]$/.test(rule.nodes[0].value)) {
      rule.remove();
      return;
    }
    rule.selectors = rule.selectors.map((s) => convertSelector(s, hostTag));
  });
  root.walkDecls((decl) => {
    if (REMOTE.test(decl.value)) decl.remove();
    else decl.value = convertUnits(decl.value);
  });
  return root.toString();
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const isNpmSpec = (spec) => !spec.startsWith('/') && !spec.startsWith('.');

/**
 * Every component a page uses, directly or through other components, as
 * `{ tag, file, sharesPageStyles }` (one per tag and file).
 */
function componentsOf(componentFile, mpRoot, resolveNpmComponent, found = new Map()) {
  const json = readJson(`${componentFile}.json`);
  for (const [tag, spec] of Object.entries(json.usingComponents ?? {})) {
    const file = isNpmSpec(spec)
      ? resolveNpmComponent(spec)
      : spec.startsWith('/')
        ? path.join(mpRoot, spec)
        : path.resolve(path.dirname(componentFile), spec);
    if (!file) throw new Error(`component ${spec} (used by ${componentFile}) does not resolve`);
    const key = `${tag}=${file}`;
    if (found.has(key)) continue;
    const own = readJson(`${file}.json`);
    const isolation = own.styleIsolation ?? (own.addGlobalClass ? 'apply-shared' : 'isolated');
    found.set(key, { tag, file, sharesPageStyles: isolation === 'apply-shared' || isolation === 'shared' });
    componentsOf(file, mpRoot, resolveNpmComponent, found);
  }
  return found;
}

const wxssOf = (file) => (fs.existsSync(`${file}.wxss`) ? simulateWxss.getContent(`${file}.wxss`) : '');

/**
 * The CSS of one page: app.wxss and the page's WXSS under the page's prefix (`main`), each
 * component's WXSS under its tag, and the page's styles again under the tag of every component
 * that lets them in.
 */
function pageCss({ mpRoot, pageFile, pagePrefix, resolveNpmComponent }) {
  const pageStyles = `${wxssOf(path.join(mpRoot, 'app'))}\n${wxssOf(pageFile)}`;
  const sheets = [toBrowserCss(simulateWxss.compile(pageStyles, { prefix: pagePrefix }), 'wx-page')];
  const components = [...componentsOf(pageFile, mpRoot, resolveNpmComponent).values()];
  const seen = new Set();
  for (const { tag, file, sharesPageStyles } of components) {
    const own = simulateWxss.compile(wxssOf(file), { prefix: tag });
    if (!seen.has(own)) sheets.push(toBrowserCss(own, tag));
    seen.add(own);
    if (sharesPageStyles && !seen.has(`page:${tag}`)) {
      sheets.push(toBrowserCss(simulateWxss.compile(pageStyles, { prefix: tag }), tag));
      seen.add(`page:${tag}`);
    }
  }
  return sheets.join('\n');
}

module.exports = { pageCss, convertUnits, convertSelector, PHONE_WIDTH, WINDOW_HEIGHT };
