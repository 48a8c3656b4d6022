/**
 * Charts: the pages draw on a 2d <canvas> (AntV F2 in components/chart), which jsdom cannot
 * draw on and miniprogram-simulate does not give (no `node` in a selector query). Here each
 * <canvas type="2d"> gets a stand-in node whose context records every drawing call; the calls
 * go into the HTML and Chromium replays them on a real canvas of the same size (`REPLAY`). The
 * size is the one Chromium laid the canvas out at, measured in a first pass (./run.js).
 */

const METHODS = new Set([
  'arc', 'arcTo', 'beginPath', 'bezierCurveTo', 'clearRect', 'clip', 'closePath', 'drawImage', 'ellipse', 'fill',
  'fillRect', 'fillText', 'lineTo', 'moveTo', 'quadraticCurveTo', 'rect', 'reset', 'resetTransform', 'restore',
  'rotate', 'roundRect', 'save', 'scale', 'setLineDash', 'setTransform', 'stroke', 'strokeRect', 'strokeText',
  'transform', 'translate',
]);

const DEFAULTS = {
  font: '10px sans-serif',
  fillStyle: '#000000',
  strokeStyle: '#000000',
  lineWidth: 1,
  globalAlpha: 1,
  textAlign: 'start',
  textBaseline: 'alphabetic',
  lineCap: 'butt',
  lineJoin: 'miter',
  miterLimit: 10,
  lineDashOffset: 0,
  shadowBlur: 0,
  shadowColor: 'rgba(0, 0, 0, 0)',
  shadowOffsetX: 0,
  shadowOffsetY: 0,
  globalCompositeOperation: 'source-over',
};

/**
 * Text width without a font engine: full-width characters 1 em, the rest about half. Only where
 * the chart places labels depends on it; Chromium draws the text itself.
 */
const fontSize = (font) => Number((/(\d+(?:\.\d+)?)px/.exec(font) ?? [])[1] ?? 10);

function textWidth(text, font) {
  const size = fontSize(font);
  let em = 0;
  for (const ch of String(text)) em += /[\u2e80-\uffef]/.test(ch) ? 1 : /[ .,:;'|!il1]/.test(ch) ? 0.3 : 0.56;
  return em * size;
}

/**
 * What G (F2's renderer) reads back to find a font's ascent and descent: it draws text in black
 * on red at baseline `y` and scans for the rows that are not red. The rows a glyph of that size
 * covers (0.9 em above the baseline, 0.25 em below) are black here.
 */
function fontImage(width, height, text) {
  const data = new Uint8ClampedArray(Math.max(1, width * height) * 4);
  const size = text ? fontSize(text.font) : 10;
  const top = text ? Math.round(text.y - 0.9 * size) : 0;
  const bottom = text ? Math.round(text.y + 0.25 * size) : -1;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const i = (row * width + col) * 4;
      const ink = row >= top && row <= bottom && col === 0;
      data[i] = ink ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

/** A 2d context that records what is drawn: `ops` is a list of `[kind, name, ...args]`. */
function recordingContext(canvas) {
  const ops = [];
  const state = { ...DEFAULTS };
  const stack = [];
  let gradients = 0;
  const record = (value) => (value && value.__gradient !== undefined ? { gradient: value.__gradient } : value);
  const gradient = (kind, args) => {
    const id = gradients++;
    ops.push(['gradient', kind, id, ...args]);
    return { __gradient: id, addColorStop: (offset, color) => void ops.push(['stop', id, offset, color]) };
  };
  const context = new Proxy(state, {
    get(target, name) {
      if (name === 'canvas') return canvas;
      if (name === 'measureText') return (text) => ({ width: textWidth(text, target.font) });
      if (name === 'createLinearGradient') return (...args) => gradient('linear', args);
      if (name === 'createRadialGradient') return (...args) => gradient('radial', args);
      if (name === 'getLineDash') return () => target.lineDash ?? [];
      if (name === 'isPointInPath' || name === 'isPointInStroke') return () => false;
      if (name === 'getImageData') return (x, y, w, h) => fontImage(w, h, target.lastText);
      if (name === 'save') return () => { stack.push({ ...target }); ops.push(['call', 'save']); };
      if (name === 'restore') return () => { Object.assign(target, stack.pop() ?? {}); ops.push(['call', 'restore']); };
      if (METHODS.has(name)) {
        return (...args) => {
          if (name === 'setLineDash') target.lineDash = args[0];
          if (name === 'fillText') target.lastText = { y: args[2], font: target.font };
          ops.push(['call', name, ...args.map(record)]);
        };
      }
      return target[name];
    },
    set(target, name, value) {
      target[name] = value;
      ops.push(['set', name, record(value)]);
      return true;
    },
  });
  return { context, ops };
}

/** A WeChat Canvas node (what `fields({ node: true })` gives) of this CSS size. */
function recordingCanvas(width, height) {
  const canvas = {
    width,
    height,
    cssWidth: width,
    cssHeight: height,
    recording: null,
    getContext(type) {
      if (type !== '2d') return null;
      canvas.recording ??= recordingContext(canvas);
      return canvas.recording.context;
    },
    requestAnimationFrame: (callback) => setTimeout(() => callback(Date.now()), 0),
    cancelAnimationFrame: (id) => clearTimeout(id),
    createImage: () => ({}),
  };
  return canvas;
}

/**
 * Selector queries with `fields({ node: true })` on a <canvas type="2d"> answer with a recording
 * canvas of the size `sizeOf(element)` gives (null: no node, as before). The canvas is kept on
 * the element (`__mpCanvas`) for ./dom.js.
 */
function answerCanvasQueries(sizeOf) {
  // F2 measures text on a canvas of its own (document.createElement('canvas')): jsdom has no 2d
  // context, so it gets a recording one, whose measureText is all that is used.
  globalThis.HTMLCanvasElement.prototype.getContext = function getContext(type) {
    return type === '2d' ? recordingContext(this).context : null;
  };
  const SelectorQuery = require('j-component/src/tool/selectorquery');
  const exec = SelectorQuery.prototype.exec;
  SelectorQuery.prototype.exec = function execWithCanvas(callback) {
    const queue = this._queue.slice();
    return exec.call(this, (res) => {
      queue.forEach((item, i) => {
        if (!item.fields.node || !item.exparserNode || !res[i]) return;
        const nodes = item.isSelectSingle ? [item.exparserNode.shadowRoot.querySelector(item.selector)] : item.exparserNode.shadowRoot.querySelectorAll(item.selector);
        const answers = item.isSelectSingle ? [res[i]] : res[i];
        nodes.forEach((node, j) => {
          const el = node && node.$$;
          if (!el || el.tagName.toLowerCase() !== 'wx-canvas' || !answers[j]) return;
          const size = sizeOf(el);
          if (!size) return;
          el.__mpCanvas ??= recordingCanvas(size.width, size.height);
          Object.assign(answers[j], { node: el.__mpCanvas, width: size.width, height: size.height });
        });
      });
      if (typeof callback === 'function') callback.call(this, res);
    });
  };
}

/** Runs in Chromium: draws each recorded canvas (`<canvas data-mp-ops>`). */
function replay() {
  for (const canvas of document.querySelectorAll('canvas[data-mp-ops]')) {
    const { ops, width, height, cssWidth, cssHeight } = JSON.parse(canvas.dataset.mpOps);
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    const ctx = canvas.getContext('2d');
    const gradients = [];
    const value = (v) => (v && typeof v === 'object' && 'gradient' in v ? gradients[v.gradient] : v);
    for (const [kind, name, ...args] of ops) {
      if (kind === 'call') ctx[name](...args.map(value));
      else if (kind === 'set') ctx[name] = value(args[0]);
      else if (kind === 'gradient') {
        const [id, ...rest] = args;
        gradients[id] = name === 'linear' ? ctx.createLinearGradient(...rest) : ctx.createRadialGradient(...rest);
      } else if (kind === 'stop') gradients[name].addColorStop(...args);
    }
  }
}

const REPLAY = `(${replay.toString()})();`;

module.exports = { answerCanvasQueries, REPLAY };
