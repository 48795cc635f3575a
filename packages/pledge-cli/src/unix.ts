/**
 * What makes `pledge` behave like a Unix tool, derived from the commander
 * program main.ts builds (so it covers whatever subcommands exist):
 * --version, unknown subcommands refused with a suggestion (the default
 * subcommand `run` would otherwise take `pledge explian` for a program),
 * error hints that name the subcommand at fault, `pledge completion
 * bash|zsh`, and the man page (`pledge man`, and man/pledge.1 written at
 * build time by scripts/gen-man.mjs), from the same option descriptions as
 * --help.
 */
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { CliError, EXIT_CLI_ERROR } from './exit.js';
import { writeText } from './output.js';

/** This package's version (package.json). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Subcommand names and aliases, as typed (nested ones as `gen c`). */
function commandNames(program: Command): string[] {
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

/**
 * Refuses a first word that is neither an option nor a subcommand: the
 * default subcommand `run` needs -p first, so such a word is a mistyped
 * subcommand, never a program. Suggests the closest subcommand.
 */
export function refuseUnknownSubcommand(program: Command, argv: readonly string[]): void {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return;
  const names = commandNames(program);
  if (names.includes(first)) return;
  const near = names.map((n) => ({ n, d: distance(first, n) })).filter((x) => x.d <= Math.max(1, Math.floor(x.n.length / 3))).sort((a, b) => a.d - b.d);
  const guess = near[0] ? ` (did you mean ${near[0].n}?)` : '';
  throw new CliError(`pledge: unknown command '${first}'${guess}\n` +
    `To run a program under promises: pledge -p PROMISES [options] -- ${first} [ARGS...]\n(pledge --help lists the commands: ${names.join(', ')})`, EXIT_CLI_ERROR);
}

/** --version, per-subcommand hints after an error, `completion` and `man`; call last in buildProgram. */
export function finishProgram(program: Command, setExit: (code: number) => void): void {
  program.version(packageVersion(), '-V, --version', 'print the version and exit');
  program.command('completion')
    .description('print a shell completion script: eval "$(pledge completion bash)", or pledge completion zsh > ~/.zfunc/_pledge')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`pledge completion: unknown shell '${shell}' (bash or zsh)`, EXIT_CLI_ERROR);
      writeText(1, shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
      setExit(0);
    });
  program.command('man')
    .description('print the man page (roff): pledge man | man -l -')
    .action(() => { writeText(1, manPage(program)); setExit(0); });
  program.showHelpAfterError('(pledge --help)');
  const hint = (c: Command, path: string): void => {
    c.showHelpAfterError(`(${path} --help)`);
    for (const sub of c.commands) hint(sub, `${path} ${sub.name()}`);
  };
  for (const c of program.commands) hint(c, `pledge ${c.name()}`);
}

interface Node { path: string[]; command: Command }
function walk(c: Command, path: string[] = []): Node[] {
  return [{ path, command: c }, ...c.commands.flatMap((s) => walk(s, [...path, s.name()]))];
}
const flagsOf = (o: Option): string[] => [o.short, o.long].filter((f): f is string => !!f);

export function bashCompletion(program: Command): string {
  const cases = walk(program).map(({ path, command }) => {
    const words = [...command.commands.map((c) => c.name()), ...command.options.flatMap(flagsOf), '--help'];
    return `    "${path.join(' ')}") words="${words.join(' ')}" ;;`;
  });
  const names = new Set(walk(program).flatMap((n) => n.path));
  return `# bash completion for pledge (pledge completion bash; generated from its options)
_pledge() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == "--" ]] && { COMPREPLY=($(compgen -c -- "$cur")); return; }
    case " ${[...names].join(' ')} " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  local words
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _pledge pledge
`;
}

const zq = (s: string): string => s.replace(/[[\]:'\\]/g, (c) => `\\${c}`).replace(/'/g, "'\\''");
export function zshCompletion(program: Command): string {
  const fns = walk(program).map(({ path, command }) => {
    const name = ['_pledge', ...path].join('_').replace(/[^A-Za-z0-9_]/g, '_');
    const opts = command.options.map((o) => {
      const arg = o.required || o.optional ? `:${zq(o.flags.replace(/^.*[<[]([^>\]]*)[>\]].*$/, '$1'))}:${o.argChoices ? `(${o.argChoices.join(' ')})` : '_files'}` : '';
      return `    '${o.short && o.long ? `(${o.short} ${o.long})'{${o.short},${o.long}}'` : flagsOf(o)[0]}[${zq(o.description)}]${arg}'`;
    });
    const subs = command.commands.map((c) => `'${c.name()}:${zq(c.description())}'`);
    const tail = subs.length ? [`    '1: :->cmds'`, `    '*:: :->args'`] : [`    '*:: :_normal'`];
    const dispatch = subs.length ? `
  case $state in
    cmds) _describe command '(${subs.join(' ')})' ;;
    args) local f=${name}_\${words[1]//[^A-Za-z0-9_]/_}; (( $+functions[$f] )) && $f || _normal ;;
  esac` : '';
    return `${name}() {\n  local state\n  _arguments -s \\\n${[...opts, ...tail].join(' \\\n')}${dispatch}\n}`;
  });
  return `#compdef pledge\n# zsh completion for pledge (pledge completion zsh; generated from its options)\n${fns.join('\n\n')}\n\n_pledge "$@"\n`;
}

const roff = (s: string): string => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');
/** The man page, from the same commands, arguments and option descriptions as --help. */
export function manPage(program: Command): string {
  const out = [`.TH PLEDGE 1 "" "seccomp-scopes ${packageVersion()}" "User Commands"`, '.SH NAME', `pledge \\- ${roff(program.description())}`,
    '.SH SYNOPSIS'];
  for (const { path, command } of walk(program).slice(1)) out.push(`.B pledge ${roff(path.join(' '))}`, `${roff(command.usage())}`, '.br');
  out.push('.SH DESCRIPTION', roff(program.description()), '.SH COMMANDS');
  for (const { path, command } of walk(program).slice(1)) {
    out.push('.SS', `pledge ${roff(path.join(' '))}`, roff(command.description()));
    for (const a of command.registeredArguments) out.push('.TP', `.I ${roff(a.name())}`, roff(a.description));
    for (const o of command.options) out.push('.TP', `.B ${roff(o.flags)}`, roff(o.description + (o.argChoices ? ` (${o.argChoices.join(', ')})` : '')));
  }
  out.push('.SH OPTIONS', '.TP', '.B \\-V, \\-\\-version', 'print the version and exit', '.TP', '.B \\-h, \\-\\-help', 'print help (also after any command)',
    '.SH EXIT STATUS', `The program's own status when it ran; ${EXIT_CLI_ERROR} when pledge itself failed (a usage error, bad promises).`,
    '.SH SEE ALSO', 'pledge(2) and unveil(2) on OpenBSD; seccomp(2), landlock(7).', '');
  return out.join('\n');
}
