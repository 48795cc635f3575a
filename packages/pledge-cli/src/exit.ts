/**
 * Exit statuses of the `pledge` command, as env(1), timeout(1) and
 * chroot(1) use them, so a caller can tell the command's own failures from
 * the program's; the error it reports, and how its messages name the
 * library's options.
 */
import { PledgeError, type PledgeOption } from '@seccomp-scopes/core';

/** The command itself failed: bad arguments, a bad promise or unveil rule, a kernel that cannot supervise. */
export const EXIT_CLI_ERROR = 125;
/** The program was found but could not be executed (permissions, not an executable, a directory). */
export const EXIT_CANNOT_EXECUTE = 126;
/** The program was not found. */
export const EXIT_NOT_FOUND = 127;
/** Added to the signal number when the program was killed by a signal (159 = SIGSYS: a refused call). */
export const EXIT_SIGNAL_BASE = 128;

/** An error the command reports in one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_CLI_ERROR) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line's spelling of the library options core's messages name (PledgeError's `hint`). */
export const OPTION_FLAGS: Readonly<Record<PledgeOption, string>> = {
  penalty: '--penalty',
  errno: '--errno',
  bestEffort: '--unveil-best-effort',
};

/** An error's message as the command says it: an option core names is written as its flag. */
export function messageOf(e: unknown): string {
  return e instanceof PledgeError ? e.messageWith(OPTION_FLAGS) : (e as Error).message;
}
