/**
 * @jest-environment node
 *
 * The build check `npm test` runs for the mini-program: it type-checks, every page in app.json
 * has its four files, every component it uses resolves (ours and npm's, as WeChat DevTools'
 * 构建 npm resolves them), WeChat's own WXML compiler accepts every template, the npm packages
 * the mini-program ships are the versions the tests ran against, and no WXML shows English.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { MP_ROOT, resolveNpmComponent } from './support/resolve';

const REPO_ROOT = path.resolve(MP_ROOT, '..');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const app = readJson<{ pages: string[]; usingComponents?: Record<string, string>; sitemapLocation?: string }>(path.join(MP_ROOT, 'app.json'));

function typeErrors(tsconfig: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.relative(REPO_ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** Every component file (no extension) reachable from app.json, with who uses it. */
function usedComponents(): { user: string; tag: string; spec: string; file: string | null }[] {
  const found: { user: string; tag: string; spec: string; file: string | null }[] = [];
  const seen = new Set<string>();
  const visit = (user: string, using: Record<string, string>, dir: string) => {
    for (const [tag, spec] of Object.entries(using)) {
      const npm = !spec.startsWith('/') && !spec.startsWith('.');
      const file = npm ? resolveNpmComponent(spec) : spec.startsWith('/') ? path.join(MP_ROOT, spec) : path.resolve(dir, spec);
      found.push({ user, tag, spec, file });
      if (!npm && file && !seen.has(file) && fs.existsSync(`${file}.json`)) {
        seen.add(file);
        visit(path.relative(MP_ROOT, file), readJson<{ usingComponents?: Record<string, string> }>(`${file}.json`).usingComponents ?? {}, path.dirname(file));
      }
    }
  };
  visit('app.json', app.usingComponents ?? {}, MP_ROOT);
  for (const page of app.pages) {
    const file = path.join(MP_ROOT, page);
    if (fs.existsSync(`${file}.json`)) visit(page, readJson<{ usingComponents?: Record<string, string> }>(`${file}.json`).usingComponents ?? {}, path.dirname(file));
  }
  return found;
}

function wxmlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'miniprogram_npm', 'test'].includes(entry.name) ? [] : wxmlFiles(full);
    return entry.name.endsWith('.wxml') ? [full] : [];
  });
}

describe('mini-program build check', () => {
  it('type-checks (the mini-program, and its tests)', () => {
    expect(typeErrors(path.join(MP_ROOT, 'tsconfig.json'))).toEqual([]);
    expect(typeErrors(path.join(MP_ROOT, 'test/tsconfig.json'))).toEqual([]);
  }, 120000);

  it('every page in app.json has its .ts, .wxml, .wxss and .json', () => {
    expect(app.pages.length).toBeGreaterThan(0);
    const missing = app.pages.flatMap((page) =>
      ['.ts', '.wxml', '.wxss', '.json'].filter((ext) => !fs.existsSync(path.join(MP_ROOT, `${page}${ext}`))).map((ext) => `${page}${ext}`),
    );
    expect(missing).toEqual([]);
    // And nothing under pages/ that app.json forgot.
    const onDisk = fs.readdirSync(path.join(MP_ROOT, 'pages')).map((dir) => `pages/${dir}/${dir}`);
    expect(onDisk.filter((page) => !app.pages.includes(page))).toEqual([]);
  });

  it('every component a page uses resolves, ours with its four files, npm ones from the packages the mini-program lists', () => {
    const manifest = readJson<{ dependencies: Record<string, string> }>(path.join(MP_ROOT, 'package.json'));
    const used = usedComponents();
    expect(used.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const { user, tag, spec, file } of used) {
      const npm = !spec.startsWith('/') && !spec.startsWith('.');
      if (!file) {
        problems.push(`${user}: <${tag}> ${spec} does not resolve`);
        continue;
      }
      const code = npm ? ['.js'] : ['.ts'];
      for (const ext of ['.json', '.wxml', ...code]) {
        if (!fs.existsSync(`${file}${ext}`)) problems.push(`${user}: <${tag}> ${spec} has no ${ext}`);
      }
      if (!npm && !fs.existsSync(`${file}.wxss`)) problems.push(`${user}: <${tag}> ${spec} has no .wxss`);
      if (fs.existsSync(`${file}.json`) && readJson<{ component?: boolean }>(`${file}.json`).component !== true) {
        problems.push(`${user}: <${tag}> ${spec} is not a component`);
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (npm && !manifest.dependencies[pkg]) problems.push(`${user}: <${tag}> ${spec} needs ${pkg} in miniprogram/package.json`);
    }
    expect(problems).toEqual([]);
  });

  it('ships the npm versions the tests run against', () => {
    const { dependencies } = readJson<{ dependencies: Record<string, string> }>(path.join(MP_ROOT, 'package.json'));
    const lock = readJson<{ packages: Record<string, { version: string }> }>(path.join(REPO_ROOT, 'package-lock.json'));
    const root = readJson<{ devDependencies: Record<string, string> }>(path.join(REPO_ROOT, 'package.json'));
    for (const [name, version] of Object.entries(dependencies)) {
      expect({ name, version }).toEqual({ name, version: lock.packages[`node_modules/${name}`]?.version });
      expect(root.devDependencies[name]).toBeDefined();
    }
  });

  it('WeChat\'s WXML compiler (wcc) accepts every template', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const compiler = require('miniprogram-compiler') as { wxmlToJs: (root: string, options: object) => string };
    const wxmlList = wxmlFiles(MP_ROOT).map((file) => path.relative(MP_ROOT, file).split(path.sep).join('/'));
    expect(wxmlList.length).toBeGreaterThan(app.pages.length);
    const output = compiler.wxmlToJs(MP_ROOT, { wxmlList, wxsList: [], maxBuffer: 64 * 1024 * 1024 });
    // Broken WXML throws above ("编译 .wxml 文件错误：file:line:col: …"); each template is in the output.
    for (const file of wxmlList) expect(output).toContain(`'${file}'`);
  });

  it('no template shows English: all UI text is Chinese', () => {
    const english: string[] = [];
    for (const file of wxmlFiles(MP_ROOT)) {
      const text = fs
        .readFileSync(file, 'utf8')
        .replace(/\{\{[\s\S]*?\}\}/g, ' ')
        .replace(/<[^>]*>/g, ' ');
      for (const word of text.match(/[A-Za-z]{2,}[A-Za-z :-]*/g) ?? []) {
        // The demo sign-in names the command to run on the server.
        if (!/^npm run demo:login-code/.test(word) && word !== 'npm run demo' && word !== 'login-code') english.push(`${path.relative(MP_ROOT, file)}: ${word}`);
      }
    }
    expect(english).toEqual([]);
  });

  it('the DevTools project points at this folder and the sitemap exists', () => {
    const project = readJson<{ miniprogramRoot: string; compileType: string; setting: { useCompilerPlugins: string[] } }>(path.join(MP_ROOT, 'project.config.json'));
    expect(project.compileType).toBe('miniprogram');
    expect(path.resolve(MP_ROOT, project.miniprogramRoot)).toBe(MP_ROOT);
    expect(project.setting.useCompilerPlugins).toContain('typescript');
    expect(fs.existsSync(path.join(MP_ROOT, app.sitemapLocation ?? 'sitemap.json'))).toBe(true);
  });
});
