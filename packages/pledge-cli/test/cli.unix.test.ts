/**
 * The command as a Unix tool (issue 17): --version, an unknown subcommand
 * refused with a suggestion rather than run as a program, error hints that
 * name the subcommand at fault, bash and zsh completion and the man page
 * generated from the same commander program as --help.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/pledge.js', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const pledge = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('pledge as a Unix tool', () => {
  it('--version and -V print the version and exit 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = pledge(flag);
      expect(r.stdout).toBe(`${pkg.version}\n`);
      expect(r.status).toBe(0);
    }
  });

  it('refuses an unknown subcommand with a suggestion instead of running it', () => {
    const r = pledge('explian', 'stdio');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^pledge: unknown command 'explian' \(did you mean explain\?\)/);
    expect(r.stderr).toContain('pledge -p PROMISES [options] -- explian');
    const far = pledge('frobnicate');
    expect(far.stderr).toMatch(/unknown command 'frobnicate'\n/);
  });

  it('hints name the subcommand at fault', () => {
    expect(pledge('explain').stderr).toContain('(pledge explain --help)');
    expect(pledge('dump', '--format', 'nope', 'stdio').stderr).toContain('(pledge dump --help)');
    expect(pledge('-q', '--', 'true').stderr).toContain('(pledge run --help)');
    expect(pledge('explain', 'stdio', '--nope').stderr).toContain('(pledge explain --help)');
  });

  it('prints bash and zsh completion covering every subcommand', () => {
    const names = ['run', 'explain', 'dump', 'completion', 'man'];
    const bash = pledge('completion', 'bash');
    expect(bash.status).toBe(0);
    for (const n of names) expect(bash.stdout).toContain(n);
    expect(bash.stdout).toContain('--promises');
    expect(spawnSync('bash', ['-n'], { input: bash.stdout }).status).toBe(0);
    // Completing the first word offers the subcommands, after `explain` its options.
    const complete = (line: string) => spawnSync('bash', ['-c', `${bash.stdout}\nCOMP_WORDS=(${line}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _pledge; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).stdout;
    expect(complete('pledge ex')).toMatch(/explain/);
    expect(complete('pledge explain --f')).toMatch(/--format/);
    const zsh = pledge('completion', 'zsh');
    expect(zsh.stdout).toMatch(/^#compdef pledge/);
    expect(zsh.stdout).toContain('_pledge_explain');
    expect(pledge('completion', 'fish').status).toBe(125);
  });

  it('prints a man page from the same descriptions as --help', () => {
    const man = pledge('man');
    expect(man.status).toBe(0);
    expect(man.stdout).toMatch(/^\.TH PLEDGE 1/);
    const help = pledge('explain', '--help').stdout;
    const described = /--format <format>\s+(output format)/.exec(help)?.[1];
    expect(described).toBeDefined();
    expect(man.stdout).toContain(described!);
    expect(fs.readFileSync(new URL('../man/pledge.1', import.meta.url), 'utf8')).toBe(man.stdout);
  });
});
