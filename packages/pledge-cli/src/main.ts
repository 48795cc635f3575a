/**
 * The `pledge` command: runs any program under OpenBSD promises and
 * unveil rules, with a report for each refused call; explains promises;
 * dumps the compiled filter. See docs/cli.md.
 *
 *     pledge -p 'stdio rpath' -- cat /etc/hostname
 *     pledge explain 'stdio rpath'
 *     pledge dump 'stdio' --format asm
 *
 * Exit status: the program's own; 128+N when a signal N ended it (159:
 * killed for a call outside its promises); 125 when `pledge` itself failed
 * (bad arguments, a bad promise); 126 when the program could not be
 * executed; 127 when it was not found.
 *
 * This module only defines the command; ../bin/pledge.js runs it.
 */
import { Command, CommanderError, Option } from 'commander';
import { PledgeError } from '@seccomp-scopes/core';
import { ARCHES, archFor } from '@seccomp-scopes/pledge';
import { dump } from './dump.js';
import { CliError, EXIT_CLI_ERROR, messageOf } from './exit.js';
import { explain } from './explain.js';
import { registerExport } from './export.js';
import { registerGenC } from './gen-c.js';
import { writeAll, writeText } from './output.js';
import { learnCommand } from './learn.js';
import { withOpenNeeds } from './path-exceptions.js';
import { Reporter } from './report.js';
import { runCommand, type RunOptions } from './run.js';
import { finishProgram, refuseUnknownSubcommand } from './unix.js';

const RUN_EXAMPLES = `
Examples:
  pledge -p 'stdio rpath' -- cat /etc/hostname
  pledge -p 'stdio rpath' -v r:/srv/data -- sha256sum /srv/data/file
  pledge -p 'stdio rpath wpath cpath flock getpw' -- sqlite3 db.sqlite 'select 1'
  pledge -p 'stdio rpath prot_exec' --node -- node -e 'console.log(1)'
  pledge -p 'stdio rpath proc exec prot_exec' -e 'stdio rpath prot_exec' -- sh -c 'ls /'
  pledge -p 'stdio rpath' --penalty errno -- python3 -c 'open("/tmp/x", "w")'

A call outside the promises is reported on stderr, e.g.
  \${SAMPLE_REPORT}
and the program is killed by SIGSYS (exit status 159), or, with --penalty errno
(the default under the "error" promise), the call fails and the program goes on.

A dynamic program's start-up (the system's dynamic loader opening and mapping
its libraries, before main) may read its libraries (opened by pledge itself),
map them executable and look up paths beyond the promises; from main on, only
the promises hold (--no-window: no such allowance at all).
Programs it starts with execve get no such window (they need rpath prot_exec).
Most programs read locale files first thing in main: rpath, or LC_ALL=C.

Exit status: the program's; 128+N when signal N ended it (159: killed for a
refused call); 125: pledge itself failed (bad option, promise or unveil rule);
126: the program cannot be executed; 127: it was not found.`;

const LEARN_EXAMPLES = `
Examples:
  pledge learn -- cat /etc/hostname
  pledge learn --verify -- tar -cf - ./dir > /dev/null
  pledge learn --node --json -o profile.json -- node app.js
  pledge learn --merge run1.json --merge run2.json

The program runs once with nothing enforced; every call outside what stdio
allows is recorded (and let through). Then the least promises,
execpromises and unveil rules that allow what it did are printed on stderr
(or to -o FILE), with the command line to run it under them. Learning only
sees what the run exercised.`;

const EXPLAIN_EXAMPLES = `
Examples:
  pledge explain 'stdio rpath'
  pledge explain 'stdio inet dns' --arch aarch64 --format json`;

const DUMP_EXAMPLES = `
Examples:
  pledge dump 'stdio' --format asm
  pledge dump 'stdio rpath' --format bpf --pid 4242 > filter.bpf
  pledge dump 'stdio' --for run --format json`;

/**
 * The sample report of `pledge run --help`: made by the code that makes a
 * run's report (./report.ts and the path-precise "needs" of
 * ./path-exceptions.ts) for `cat /etc/passwd` under `stdio`, so the help
 * cannot drift from what a run prints.
 */
export function sampleReport(): string {
  const arch = archFor();
  const stdio = new Set(['stdio']);
  const call = { nr: arch.syscalls['openat']!, args: [BigInt.asUintN(64, -100n), 0n, 0n, 0n, 0n, 0n], pid: 4242, tid: 4242, comm: 'cat', path: '/etc/passwd' };
  const line = new Reporter({ arch, format: 'text', penalty: 'kill', uid: 0, gid: 0 }).format(call, stdio);
  return withOpenNeeds(line, call.path, stdio, 'text');
}

/** The run form, first line of bare `pledge`'s usage and of `pledge --help`'s run section. */
const RUN_FORM = 'pledge -p PROMISES [options] -- COMMAND [ARGS...]';

/**
 * How to run a program, from the run command's own options (so it names
 * every one): bare `pledge` prints it (exit 125), `pledge --help` ends
 * with it.
 */
function runSection(program: Command): string {
  const run = program.commands.find((c) => c.name() === 'run');
  const flags = (run?.options ?? []).map((o) => o.short ?? o.long).filter((f): f is string => !!f);
  return `Run a program (the default command; its options: pledge run --help):
  ${RUN_FORM}
  run options: ${flags.join(' ').replace(/(.{1,62})(?: |$)/g, '$1\n              ').trimEnd()}`;
}

/** Accepts Node's names (x64, arm64) and the kernel's (x86_64, aarch64). */
function nodeArchName(value: string): string {
  for (const a of Object.values(ARCHES)) if (a.nodeArch === value || a.name === value) return a.nodeArch;
  const names = Object.values(ARCHES).map((a) => `${a.name} (${a.nodeArch})`).join(', ');
  throw new CliError(`pledge: --arch ${JSON.stringify(value)}: supported architectures: ${names}`);
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new CliError(`pledge: ${name} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** A parser for a comma-separated list of descriptor numbers (`4,12,17`; empty: none). */
function fdList(name: string) {
  const one = integer(name, 0, 0x7fffffff);
  return (value: string): number[] => value === '' ? [] : value.split(',').map((v) => one(v.trim()));
}

/** Builds the command line parser; `setExit` receives the exit status of a command that ran. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('pledge')
    .description('Run a program under OpenBSD pledge() promises and unveil() rules (seccomp-bpf and Landlock), with a report for each refused call.')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => writeText(1, s),
      writeErr: (s) => writeText(2, s),
    })

  program.command('run', { isDefault: true })
    .description('run COMMAND under the promises (the default command)')
    .usage('-p PROMISES [options] [--] COMMAND [ARGS...]')
    .requiredOption('-p, --promises <promises>', "promises, OpenBSD's names separated by spaces (e.g. 'stdio rpath')")
    .option('-e, --execpromises <promises>', 'promises for programs it starts with execve (a subset of -p)')
    .option('-v, --unveil <perms:path>', 'unveil PATH with PERMS (any of r w x c; empty hides); repeat for more paths', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--unveil-best-effort', 'enforce what this kernel\'s Landlock can, with a warning for the rest, instead of failing')
    .addOption(new Option('--penalty <kind>', 'what a refused call gets: kill (SIGSYS) or errno (the call fails; default under "error")').choices(['kill', 'errno']))
    .option('--errno <name>', 'the errno refused calls fail with under --penalty errno (default EPERM; ENOSYS under "error")')
    .option('--node', 'the program is Node.js: add the runtime allowance pledge() grants in a Node process (the JIT\'s executable memory only with prot_exec)')
    .option('-q, --quiet', 'print no reports or warnings')
    .addOption(new Option('--report-format <format>', 'report lines as text or JSON').choices(['text', 'json']).default('text'))
    .addOption(new Option('--loader-timeout <ms>', 'longest start-up window of a dynamic program without its end signal').default(10_000).argParser(integer('--loader-timeout', 1, 3_600_000)))
    .option('--no-window', 'no start-up window even for a dynamic program: its loader runs under the promises (it then needs rpath prot_exec)')
    .option('--no-unveil-warning', 'no warning that wpath, cpath, dpath or tmppath without -v reach the whole file system')
    .option('--no-cache', 'neither use nor write the policy cache of the native launcher (also: SECCOMP_SCOPES_NO_CACHE=1)')
    .argument('<command...>', 'the program and its arguments')
    .passThroughOptions()
    .addHelpText('after', () => RUN_EXAMPLES.replace('${SAMPLE_REPORT}', sampleReport()))
    .action((command: string[], opts: Record<string, unknown>) => {
      const options: RunOptions = {
        promises: opts['promises'] as string,
        ...(opts['execpromises'] !== undefined ? { execpromises: opts['execpromises'] as string } : {}),
        unveil: opts['unveil'] as string[],
        unveilBestEffort: opts['unveilBestEffort'] === true,
        ...(opts['penalty'] !== undefined ? { penalty: opts['penalty'] as 'kill' | 'errno' } : {}),
        ...(opts['errno'] !== undefined ? { errno: opts['errno'] as string } : {}),
        quiet: opts['quiet'] === true,
        node: opts['node'] === true,
        reportFormat: opts['reportFormat'] as 'text' | 'json',
        loaderTimeoutMs: opts['loaderTimeout'] as number,
        window: opts['window'] !== false,
        unveilWarning: opts['unveilWarning'] !== false,
        cache: opts['cache'] !== false,
      };
      setExit(runCommand(command, options));
    });

  program.command('learn')
    .description('run COMMAND once without enforcing anything and print the least promises and unveil rules it needs, as a pledge command line')
    .usage('[options] [--] COMMAND [ARGS...]')
    .option('--node', 'the program is Node.js: its runtime allowance needs no promise, and in-process pledge() calls are reported per call site')
    .option('--json', 'print the profile as JSON (observations included, for --merge)')
    .option('-o, --output <file>', 'write the profile to FILE instead of stderr')
    .option('--verify', 'run the command again under the proposal and say whether it behaved the same (exit status)')
    .option('--verify-stdout', 'with --verify: compare stdout too')
    .option('--merge <file>', 'merge the observations of an earlier pledge learn --json (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--loader-timeout <ms>', 'longest start-up window of a dynamic program without its end signal').default(10_000).argParser(integer('--loader-timeout', 1, 3_600_000)))
    .argument('[command...]', 'the program and its arguments (none: only --merge files)')
    .passThroughOptions()
    .addHelpText('after', LEARN_EXAMPLES)
    .action((command: string[], opts: Record<string, unknown>) => {
      setExit(learnCommand(command, {
        node: opts['node'] === true,
        json: opts['json'] === true,
        ...(opts['output'] !== undefined ? { output: opts['output'] as string } : {}),
        verify: opts['verify'] === true || opts['verifyStdout'] === true,
        verifyStdout: opts['verifyStdout'] === true,
        merge: opts['merge'] as string[],
        loaderTimeoutMs: opts['loaderTimeout'] as number,
      }));
    });

  program.command('explain')
    .description('what the promises allow, syscall by syscall, with the argument rules')
    .argument('<promises>', "promises, e.g. 'stdio rpath'")
    .option('--arch <arch>', 'x86_64 or aarch64 (default: this machine\'s)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--node', 'include the Node runtime allowance pledge() adds in a Node process')
    .option('--jitless', 'with --node: without the JIT\'s executable memory')
    .addHelpText('after', EXPLAIN_EXAMPLES)
    .action((promises: string, opts: Record<string, unknown>) => {
      const arch = ARCHES[nodeArchName((opts['arch'] as string | undefined) ?? process.arch)]!;
      writeText(1, explain(promises, { arch, format: opts['format'] as 'text' | 'json', node: opts['node'] === true, jit: opts['jitless'] !== true }));
      setExit(0);
    });

  program.command('dump')
    .description('the compiled seccomp filter: raw struct sock_filter bytes, a disassembly, or JSON')
    .argument('<promises>', "promises, e.g. 'stdio rpath'")
    .option('--arch <arch>', 'x86_64 or aarch64 (default: this machine\'s)')
    .addOption(new Option('--format <format>', 'bpf: the bytes seccomp(2) takes; asm: readable; json').choices(['bpf', 'asm', 'json']).default('asm'))
    .addOption(new Option('--for <what>', 'pledge: the filter pledge() installs in a Node process; run: the one `pledge run` installs').choices(['pledge', 'run']).default('pledge'))
    .addOption(new Option('--pid <pid>', 'the pid named by the "signals to itself" rules (default: this process\')').argParser(integer('--pid', 1, 0x7fffffff)))
    .option('--jitless', 'as pledge() does under node --jitless: no executable memory for the JIT')
    .addOption(new Option('--penalty <kind>', "pledge()'s penalty option: kill or errno").choices(['kill', 'errno']))
    .option('--errno <name>', "pledge()'s errno option (with --penalty errno)")
    .option('--quiet', "pledge()'s quiet option: no reporter, the filter kills or fails calls itself")
    .addOption(new Option('--report-fd <fd>', "pledge()'s reportFd option (default 2)").argParser(integer('--report-fd', 0, 0x7fffffff)))
    .addOption(new Option('--ring-fds <fds>', "as pledge() in a process whose io_uring rings have these descriptors (pledge() status: rings; Node 22 and later)").argParser(fdList('--ring-fds')))
    .addOption(new Option('--event-fds <fds>', "as pledge() in a process whose event loops have these eventfds (pledge() status: eventFds)").argParser(fdList('--event-fds')))
    .addHelpText('after', DUMP_EXAMPLES)
    .action((promises: string, opts: Record<string, unknown>) => {
      const out = dump(promises, {
        arch: nodeArchName((opts['arch'] as string | undefined) ?? process.arch),
        format: opts['format'] as 'bpf' | 'asm' | 'json',
        for: opts['for'] as 'pledge' | 'run',
        pid: (opts['pid'] as number | undefined) ?? process.pid,
        jit: opts['jitless'] !== true,
        ...(opts['penalty'] !== undefined ? { penalty: opts['penalty'] as 'kill' | 'errno' } : {}),
        ...(opts['errno'] !== undefined ? { errno: opts['errno'] as string } : {}),
        quiet: opts['quiet'] === true,
        ...(opts['reportFd'] !== undefined ? { reportFd: opts['reportFd'] as number } : {}),
        ...(opts['ringFds'] !== undefined ? { ringFds: opts['ringFds'] as number[] } : {}),
        ...(opts['eventFds'] !== undefined ? { eventFds: opts['eventFds'] as number[] } : {}),
      });
      if (typeof out === 'string') writeText(1, out);
      else writeAll(1, out);
      setExit(0);
    });

  program.addHelpText('after', () => `\n${runSection(program)}\n`);
  registerGenC(program, setExit);
  registerExport(program, setExit);
  finishProgram(program, setExit); // last: --version, completion, man, hints over every subcommand above

  return program;
}

/** Runs the command line `argv` (without node and the script); returns the exit status. */
export function main(argv: readonly string[]): number {
  let code = 0;
  try {
    const program = buildProgram((c) => { code = c; });
    if (argv.length === 0) {
      // Not commander's "required option -p": what to type, and where the rest is.
      writeText(2, `usage: ${RUN_FORM}\n       pledge COMMAND [options] ...  (${program.commands.map((c) => c.name()).filter((n) => n !== 'run' && n !== 'help').join(', ')})\n\n${runSection(program)}\nEverything: pledge --help\n`);
      return EXIT_CLI_ERROR;
    }
    refuseUnknownSubcommand(program, argv);
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every usage error is the command's own failure.
      return e.exitCode === 0 ? 0 : EXIT_CLI_ERROR;
    }
    if (e instanceof CliError) {
      writeText(2, `${e.message}\n`);
      return e.exitCode;
    }
    // Never a stack trace for an expected condition: the library's errors,
    // and a system call's (a NativeError or Node's, with an errno code),
    // are one `pledge:` line.
    if (e instanceof PledgeError) {
      writeText(2, `pledge: ${messageOf(e)}\n`);
      return EXIT_CLI_ERROR;
    }
    const err = e instanceof Error ? e as Error & { code?: unknown } : undefined;
    if (err && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) {
      writeText(2, `pledge: ${err.message}\n`);
      return EXIT_CLI_ERROR;
    }
    // A bug: the stack only on request.
    const where = process.env['SECCOMP_SCOPES_DEBUG'] ? `\n${err?.stack ?? ''}` : ' (set SECCOMP_SCOPES_DEBUG=1 to see where)';
    writeText(2, `pledge: internal error: ${err?.message ?? String(e)}${where}\n`);
    return EXIT_CLI_ERROR;
  }
  return code;
}
