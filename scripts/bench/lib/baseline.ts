import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './service';

/**
 * `--baseline=REV`: another commit of this repository, built once into a temp folder, run side by
 * side with this build in the same invocation. On a shared 2-core machine, runs minutes apart
 * differ by more than most changes do; interleaved runs under the same load do not.
 *
 * The commit's tracked files come from `git archive` (the working tree, with other people's
 * unfinished edits, is never used for it) and are compiled with this checkout's node_modules.
 * Returns the path of its `main.js`.
 */
export function buildBaseline(rev: string): { mainJs: string; sha: string; dir: string } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: REPO_ROOT }).toString().trim();
  const dir = path.join(os.tmpdir(), `xiansuo-baseline-${sha.slice(0, 12)}`);
  const mainJs = path.join(dir, 'dist', 'server', 'src', 'main.js');
  if (!fs.existsSync(mainJs)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', sha], { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    console.log(`building baseline ${sha.slice(0, 12)} in ${dir}`);
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
  return { mainJs, sha, dir };
}

/** What "this build" is, for labels: `--build`'s commit, or HEAD plus whatever is uncommitted. */
export function headLabel(build?: { sha: string }): string {
  if (build) return `commit ${build.sha.slice(0, 12)}`;
  const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT }).toString().trim() !== '';
  return dirty ? `${sha} + uncommitted changes` : sha;
}

/** The comparison flags of a run, as typed, for the command line a block quotes. */
export function comparisonFlags(args: { baseline?: { rev: string }; build?: { rev: string } }): string {
  return `${args.baseline ? ` --baseline=${args.baseline.rev}` : ''}${args.build ? ` --build=${args.build.rev}` : ''}`;
}
