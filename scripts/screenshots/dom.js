/**
 * The DOM miniprogram-simulate renders, made complete for a browser. Built-in components come
 * out as bare elements (`<wx-input></wx-input>`): their properties (value, placeholder, checked…)
 * live on the component behind the element (`element.__wxElement._vt.attrs`), and WeChat draws
 * them natively. This gives each the markup wechat.css styles: an input's value or placeholder,
 * a checkbox's box, a switch's track, a button's type, an image's picture.
 */
const fs = require('node:fs');
const path = require('node:path');

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/** The properties the WXML gave a built-in component (evaluated), by their WXML names. */
function propsOf(el) {
  const attrs = el.__wxElement?._vt?.attrs ?? [];
  const byName = new Map(attrs.map((a) => [a.name, a.value]));
  return (name) => (byName.has(name) ? byName.get(name) : byName.get(camel(name)));
}

const isOn = (value) => value !== undefined && value !== null && value !== false && value !== 'false' && value !== '';

function span(doc, className, text) {
  const s = doc.createElement('span');
  s.className = className;
  if (text !== undefined) s.textContent = text;
  return s;
}

function fillText(el, prop, doc) {
  const value = prop('value');
  const placeholder = prop('placeholder');
  el.textContent = '';
  if (value !== undefined && value !== null && String(value) !== '') {
    el.textContent = isOn(prop('password')) ? '•'.repeat(String(value).length) : String(value);
  } else if (placeholder) {
    const s = span(doc, 'mp-placeholder', String(placeholder));
    const style = prop('placeholder-style');
    if (style) s.setAttribute('style', style);
    el.appendChild(s);
  }
}

const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml', '.webp': 'image/webp' };

/** A picture in the mini-program's own folder, inlined; remote ones stay a grey box (no network). */
function imageUrl(src, mpRoot) {
  if (!src || /^(https?:)?\/\//.test(src)) return null;
  if (src.startsWith('data:')) return src;
  const file = path.join(mpRoot, src.replace(/^\//, ''));
  if (!fs.existsSync(file)) return null;
  return `data:${MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream'};base64,${fs.readFileSync(file).toString('base64')}`;
}

function control(doc, kind, prop) {
  const on = isOn(prop('checked'));
  const box = span(doc, `mp-${kind}${on ? ` mp-${kind}--on` : ''}${isOn(prop('disabled')) ? ' mp-disabled' : ''}`);
  const color = prop('color');
  if (color) box.style.setProperty('--mp-color', String(color));
  return box;
}

/** Completes the built-in components under `root` in place. */
function completeBuiltIns(root, mpRoot) {
  const doc = root.ownerDocument;
  for (const el of Array.from(root.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (!tag.startsWith('wx-')) continue;
    const prop = propsOf(el);
    if (isOn(prop('hidden'))) el.setAttribute('hidden', '');
    switch (tag) {
      case 'wx-input':
        fillText(el, prop, doc);
        break;
      case 'wx-textarea':
        fillText(el, prop, doc);
        if (isOn(prop('auto-height'))) el.setAttribute('auto-height', '');
        break;
      case 'wx-image': {
        el.setAttribute('mode', String(prop('mode') ?? 'scaleToFill'));
        const url = imageUrl(prop('src'), mpRoot);
        if (url) el.style.backgroundImage = `url("${url}")`;
        break;
      }
      case 'wx-checkbox':
        el.insertBefore(control(doc, 'checkbox', prop), el.firstChild);
        break;
      case 'wx-radio':
        el.insertBefore(control(doc, 'radio', prop), el.firstChild);
        break;
      case 'wx-switch':
        el.appendChild(prop('type') === 'checkbox' ? control(doc, 'checkbox', prop) : control(doc, 'switch', prop));
        break;
      case 'wx-button':
        for (const name of ['type', 'size', 'plain', 'disabled', 'loading']) {
          const value = prop(name);
          if (isOn(value)) el.setAttribute(name, value === true ? '' : String(value));
        }
        break;
      case 'wx-scroll-view':
        if (isOn(prop('scroll-x'))) el.setAttribute('scroll-x', '');
        if (isOn(prop('scroll-y'))) el.setAttribute('scroll-y', '');
        break;
      case 'wx-canvas': {
        // A chart drawn into ./canvas.js's recording canvas: Chromium replays it.
        const drawn = el.__mpCanvas;
        if (drawn?.recording?.ops.length) {
          const canvas = doc.createElement('canvas');
          const { width, height, cssWidth, cssHeight } = drawn;
          canvas.setAttribute('data-mp-ops', JSON.stringify({ ops: drawn.recording.ops, width, height, cssWidth, cssHeight }));
          canvas.style.display = 'block';
          el.appendChild(canvas);
        }
        break;
      }
      case 'wx-rich-text': {
        const nodes = prop('nodes');
        if (typeof nodes === 'string') el.innerHTML = nodes;
        break;
      }
      default:
        break;
    }
  }
}

/**
 * Custom components that did not render (miniprogram-simulate had no definition for them and
 * left an empty placeholder): their tags.
 */
function placeholders(root) {
  return Array.from(root.querySelectorAll('*'))
    .filter((el) => !el.tagName.toLowerCase().startsWith('wx-') && el.__wxElement && !el.__wxElement.is)
    .map((el) => el.tagName.toLowerCase());
}

/** Words in Latin letters a user would read (3+ letters), outside `allowed`. */
function latinWords(root, allowed = []) {
  const text = root.textContent.replace(/\s+/g, ' ');
  const words = text.match(/[A-Za-z][A-Za-z_-]{2,}/g) ?? [];
  return [...new Set(words)].filter((w) => !allowed.some((a) => a.includes(w)));
}

module.exports = { completeBuiltIns, placeholders, latinWords };
