#!/usr/bin/env node
// The `sensor` command.
import { runRules } from './rules';
import { RUN_USAGE, runSensorCli } from './run';
import { TRACE_USAGE, runTrace } from './trace';
import { UsageError } from './usage';

// libuv reads this at the thread pool's first use, which comes later (the
// ring poller, link teardown). The poller holds one thread in epoll_wait;
// detaching 60 tracepoint links at stop wants the rest, in parallel.
process.env.UV_THREADPOOL_SIZE ??= '16';

const USAGE = `usage: sensor COMMAND [options]

Commands:
  run               the sensor: kernel events, context, rules; alerts out
  trace GADGET...   live kernel events from this host and its containers
  rules CMD PATH... validate, test or list rule files
  help              this text

Run "sensor COMMAND --help" for its options.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === 'trace') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(TRACE_USAGE);
      return 0;
    }
    return runTrace(rest);
  }
  if (cmd === 'rules') return runRules(rest);
  if (cmd === 'run') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(RUN_USAGE);
      return 0;
    }
    return runSensorCli(rest);
  }
  throw new UsageError(`unknown command "${cmd}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`sensor: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`sensor: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
