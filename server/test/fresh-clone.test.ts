import fs from 'node:fs';
import path from 'node:path';

/**
 * A user clones the repository alone: tests must keep their fixtures inside it, and every
 * documented npm command must work from a fresh clone exactly as written (no build step first).
 */
const root = path.resolve(__dirname, '../..');

function filesUnder(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full, ext);
    return ext.test(entry.name) ? [full] : [];
  });
}

describe('a fresh clone on its own', () => {
  it('no test or script reads a file outside the repository', () => {
    const escapes: string[] = [];
    for (const file of [...filesUnder(path.join(root, 'server/test'), /\.ts$/), ...filesUnder(path.join(root, 'scripts'), /\.(ts|js)$/)]) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
        const resolved = path.resolve(path.dirname(file), match[1]);
        if (resolved !== root && !resolved.startsWith(root + path.sep)) escapes.push(`${path.relative(root, file)}: ${match[1]}`);
      }
      if (file !== __filename && /shared\/testdata/.test(text)) escapes.push(`${path.relative(root, file)}: shared/testdata`);
    }
    expect(escapes).toEqual([]);
  });

  it('the lockfile lists every platform\'s optional packages, so npm ci works on any machine', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const missing: string[] = [];
    for (const dependency of Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'))) {
      const manifest = path.join(root, dependency, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const { optionalDependencies = {} } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { optionalDependencies?: Record<string, string> };
      for (const optional of Object.keys(optionalDependencies)) {
        if (!(`node_modules/${optional}` in lock.packages) && !(`${dependency}/node_modules/${optional}` in lock.packages)) missing.push(`${dependency} → ${optional}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every npm script that runs compiled code builds it first', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const missing = Object.entries(scripts)
      .filter(([name, command]) => /node dist\//.test(command) && !name.startsWith('pre'))
      .filter(([name, command]) => !/npm run build/.test(command) && !/npm run build/.test(scripts[`pre${name}`] ?? ''))
      .map(([name]) => name);
    expect(missing).toEqual([]);
    // The build is incremental (tsc -b), so a command run twice does not recompile everything.
    expect(scripts.build).toMatch(/^tsc -b /);
  });
});
