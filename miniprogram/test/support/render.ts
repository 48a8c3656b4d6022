/**
 * Renders a page (or component) of the mini-program from its real WXML, WXSS and TypeScript
 * with miniprogram-simulate and WeChat's WXML compiler (miniprogram-compiler's wcc), the
 * TDesign components it uses loaded from node_modules as WeChat DevTools' 构建 npm would
 * resolve them. Gives helpers that act as a user does: read the text, tap, type, pick.
 */
import fs from 'node:fs';
import path from 'node:path';
import simulate from 'miniprogram-simulate';
import { MP_ROOT, resolveNpmComponent } from './resolve';
import { WxFake } from './wx-fake';

export { MP_ROOT };

const isNpmSpec = (spec: string) => !spec.startsWith('/') && !spec.startsWith('.');

/**
 * Every WXML template is compiled by one wcc run over the repository root, our pages and the
 * TDesign components together: wcc's output keeps its state in globals, so two compiles (two
 * roots) in one test file would mix their templates.
 */
const REPO_ROOT = path.resolve(MP_ROOT, '..');
const TDESIGN_DIST = path.dirname(resolveNpmComponent('tdesign-miniprogram/button/button')!);
const SKIP_DIRS = new Set(['node_modules', 'miniprogram_npm', 'test']);

function filesUnder(dir: string, ext: string, skip: Set<string> = new Set()): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : filesUnder(full, ext, skip);
    return entry.name.endsWith(ext) ? [path.relative(REPO_ROOT, full).split(path.sep).join('/')] : [];
  });
}

let compilerOptions: { wxmlList: string[]; wxsList: string[]; maxBuffer: number } | null = null;

function loadOptions(usingComponents: Record<string, string> = {}) {
  compilerOptions ??= {
    wxmlList: [...filesUnder(MP_ROOT, '.wxml', SKIP_DIRS), ...filesUnder(path.dirname(TDESIGN_DIST), '.wxml')],
    wxsList: [...filesUnder(MP_ROOT, '.wxs', SKIP_DIRS), ...filesUnder(path.dirname(TDESIGN_DIST), '.wxs')],
    maxBuffer: 64 * 1024 * 1024,
  };
  return { rootPath: REPO_ROOT, compilerOptions, usingComponents };
}

const componentIds = new Map<string, string>();

/**
 * Each component (ours and TDesign's) is loaded once per test file and referred to by its id:
 * jest runs a module once, so a second load of the same file would find no Component() call.
 */
function usingComponentsOf(componentPath: string): Record<string, string> {
  const json = JSON.parse(fs.readFileSync(`${componentPath}.json`, 'utf8')) as { usingComponents?: Record<string, string> };
  const using: Record<string, string> = {};
  for (const [tag, spec] of Object.entries(json.usingComponents ?? {})) {
    const file = isNpmSpec(spec)
      ? resolveNpmComponent(spec)
      : spec.startsWith('/')
        ? path.join(MP_ROOT, spec)
        : path.resolve(path.dirname(componentPath), spec);
    if (!file) throw new Error(`component ${spec} does not resolve`);
    const key = `${tag}=${file}`;
    if (!componentIds.has(key)) {
      const options = isNpmSpec(spec) ? loadOptions() : loadOptions(usingComponentsOf(file));
      componentIds.set(key, simulate.load(file, tag, options));
    }
    using[tag] = componentIds.get(key)!;
  }
  return using;
}

/** Lets queued replies, timers and promise chains run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Where a finger lands inside the TDesign components the pages use. */
const TAP_TARGETS = ['.t-button', '.t-cell', '.t-tag', '.t-check-tag', '.t-checkbox', '.t-radio', '.t-tab-panel'];

const collapse = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

export class Rendered {
  constructor(public readonly comp: any) {}

  get instance(): any {
    return this.comp.instance;
  }

  get data(): any {
    return this.comp.data;
  }

  /** All the text a user sees, whitespace collapsed. */
  text(): string {
    return collapse(this.comp.dom.textContent);
  }

  /** The text of the elements with this class (our own WXML classes, not TDesign's). */
  texts(className: string): string[] {
    const prefixed = this.comp.dom.querySelectorAll(`[class~="${className}"], [class*="--${className}"]`);
    return Array.from(prefixed as ArrayLike<Element>)
      .filter((el) => el.getAttribute('class')!.split(/\s+/).some((c: string) => c === className || c.endsWith(`--${className}`)))
      .map((el) => collapse(el.textContent));
  }

  /** `#a >>> .b` reaches into the component `#a` (our own components and TDesign's). */
  query(selector: string): any {
    let node = this.comp;
    for (const part of selector.split('>>>').map((p) => p.trim())) {
      node = node?.querySelector(part);
    }
    return node ?? null;
  }

  exists(selector: string): boolean {
    return !!this.query(selector);
  }

  find(selector: string): any {
    const node = this.query(selector);
    if (!node) throw new Error(`nothing matches ${selector} on the page; it shows: ${this.text()}`);
    return node;
  }

  /**
   * Taps as a finger would: on a TDesign component, the tap lands on its inner element (whose
   * class is the component's name), so the component's own handler runs (disabled, loading…).
   */
  async tap(selector: string): Promise<void> {
    const node = this.find(selector);
    let target = node;
    if (!node.dom) {
      for (const inner of TAP_TARGETS) {
        const found = node.querySelector(inner);
        if (found) {
          target = found;
          break;
        }
      }
    }
    target.dispatchEvent('tap');
    await settle();
  }

  /** Types into a native input or textarea (bindinput). */
  async type(selector: string, value: string): Promise<void> {
    this.find(selector).dispatchEvent('input', { detail: { value } });
    await settle();
  }

  /** A `change` from a picker, checkbox group or TDesign control. */
  async change(selector: string, detail: unknown): Promise<void> {
    this.find(selector).dispatchEvent('change', { detail });
    await settle();
  }

  /** Calls a page lifecycle method the runtime would call (onReachBottom, onPullDownRefresh, onShow). */
  async lifecycle(name: string, ...args: unknown[]): Promise<void> {
    await this.instance[name](...args);
    await settle();
  }
}

const ids = new Map<string, string>();

/**
 * Loads any component of the mini-program by its path under miniprogram/ (no extension), once
 * per test file: jest runs a module once, so a second load would find no Component() call.
 */
export function renderComponent(relativePath: string, properties: Record<string, unknown> = {}): Rendered {
  const file = path.join(MP_ROOT, relativePath);
  if (!ids.has(file)) {
    const loaded = Array.from(componentIds.entries()).find(([key]) => key.endsWith(`=${file}`));
    ids.set(file, loaded ? loaded[1] : simulate.load(file, loadOptions(usingComponentsOf(file))));
  }
  const id = ids.get(file)!;
  const comp = simulate.render(id, properties);
  comp.attach(document.createElement('parent-wrapper'));
  return new Rendered(comp);
}

/** Opens a page as the runtime does: render, then onLoad(query) and onShow(). */
export async function openPage(name: string, query: Record<string, string> = {}): Promise<Rendered> {
  const page = renderComponent(`pages/${name}/${name}`);
  if (page.instance.onLoad) await page.instance.onLoad(query);
  if (page.instance.onShow) await page.instance.onShow();
  await settle();
  return page;
}

export const wxFake = new WxFake();

/** Installs the fake runtime for every test of a file and checks nothing went unanswered. */
export function useWxFake(): WxFake {
  beforeEach(() => {
    wxFake.reset();
    wxFake.install();
  });
  afterEach(() => {
    expect(wxFake.unmatched).toEqual([]);
  });
  return wxFake;
}
