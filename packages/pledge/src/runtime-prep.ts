/**
 * The lazy set-up Node would otherwise do at a later, restricted moment,
 * done now: creating the stdout/stderr streams re-opens the terminal when
 * they are ttys (libuv uv_tty_init), and the first local time formatting
 * reads the time zone (/etc/localtime). Called by pledge() before its filter
 * and by unveil() before its lock.
 */
export function prepareRuntime(): void {
  void process.stdout;
  void process.stderr;
  void new Date().toString();
}
