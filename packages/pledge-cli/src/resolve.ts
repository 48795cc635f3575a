/**
 * Finding the program to run: a name with a slash is a path, anything
 * else is looked up in PATH, as execvp(3) does (an empty PATH entry is the
 * current directory; no PATH means "/usr/local/bin:/usr/bin:/bin").
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND } from './exit.js';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

function executableFile(file: string): 'ok' | 'missing' | 'directory' | 'denied' {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? 'denied' : 'missing';
  }
  if (st.isDirectory()) return 'directory';
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    return 'denied';
  }
  return st.isFile() ? 'ok' : 'denied';
}

/**
 * The file to execute for `command`.
 * @throws CliError exit 127 when not found, 126 when found but not executable.
 */
export function resolveCommand(command: string, envPath: string | undefined = process.env['PATH']): string {
  if (command.length === 0) throw new CliError('pledge: the command is an empty string', EXIT_NOT_FOUND);
  if (command.includes('/')) {
    const state = executableFile(command);
    if (state === 'ok') return command;
    if (state === 'missing') throw new CliError(`pledge: ${command}: No such file or directory`, EXIT_NOT_FOUND);
    throw new CliError(`pledge: ${command}: ${state === 'directory' ? 'Is a directory' : 'Permission denied'}`, EXIT_CANNOT_EXECUTE);
  }
  let denied: string | undefined;
  for (const dir of (envPath ?? DEFAULT_PATH).split(':')) {
    const candidate = path.join(dir === '' ? '.' : dir, command);
    const state = executableFile(candidate);
    if (state === 'ok') return candidate;
    if (state === 'denied') denied ??= candidate;
  }
  if (denied) throw new CliError(`pledge: ${denied}: Permission denied`, EXIT_CANNOT_EXECUTE);
  throw new CliError(`pledge: ${command}: command not found`, EXIT_NOT_FOUND);
}
