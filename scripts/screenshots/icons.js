/**
 * TDesign's <t-icon> draws its glyphs with an icon font that only a CDN serves. The screenshots
 * draw the same icons from tdesign-icons-svg (TDesign's icons as SVG files) instead: each icon
 * element rendered by miniprogram-simulate (`<wx-label class="t-icon--t-icon-NAME
 * t-icon--t-icon-base">`) gets the SVG as a mask in its text colour.
 */
const fs = require('node:fs');
const path = require('node:path');

const SVG_DIR = path.join(path.dirname(require.resolve('tdesign-icons-svg/package.json')), 'src');

/** The icons in a rendered page: `[{ className, name }]` from its class attributes. */
function iconsIn(html) {
  const found = new Map();
  for (const [, classes] of html.matchAll(/class="([^"]*--t-icon-base[^"]*)"/g)) {
    const list = classes.split(/\s+/);
    const base = list.find((c) => c.endsWith('--t-icon-base'));
    const prefix = base.slice(0, -'t-icon-base'.length);
    for (const c of list) {
      if (c !== base && c.startsWith(`${prefix}t-icon-`)) found.set(c, c.slice(`${prefix}t-icon-`.length));
    }
  }
  return [...found].map(([className, name]) => ({ className, name }));
}

function svgOf(name) {
  const file = path.join(SVG_DIR, `${name}.svg`);
  if (!fs.existsSync(file)) return null;
  // The package writes view-box (a framework's spelling); SVG wants viewBox.
  return fs.readFileSync(file, 'utf8').replace(/\bview-box=/g, 'viewBox=');
}

/** CSS drawing every icon of the page; names tdesign-icons-svg lacks are returned as missing. */
function iconCss(html) {
  const rules = [];
  const missing = [];
  for (const { className, name } of iconsIn(html)) {
    const svg = svgOf(name);
    if (!svg) {
      missing.push(name);
      continue;
    }
    const url = `url("data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}")`;
    rules.push(
      `.${className}::before{content:""!important;display:block;width:1em;height:1em;background-color:currentColor;` +
        `-webkit-mask:${url} center/contain no-repeat;mask:${url} center/contain no-repeat}`,
    );
  }
  return { css: rules.join('\n'), missing };
}

module.exports = { iconCss };
