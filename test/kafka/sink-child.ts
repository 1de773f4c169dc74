// A KafkaSink in a process of its own, so a test can kill it with SIGKILL
// and start another on the same spool directory.
//
//   node sink-child.js '<KafkaSinkOptions as JSON>'
//
// Prints {"reply":"ready",...} once constructed, then answers commands on
// stdin with one JSON line each, {"reply":"<command>","stats":{...}}:
//   write <from> <count>   writes numbered alerts from..from+count-1
//   stats                  the sink's stats
//   close                  closes the sink (flush, disconnect, spool) and exits
import { createInterface } from 'node:readline';
import { createLogger } from '../../sensor/log';
import { KafkaSink } from '../../sensor/sinks/kafka';
import type { KafkaSinkOptions } from '../../sensor/sinks/options';
import { jsonFormatter, numberedAlert } from './alerts';

const opts = JSON.parse(process.argv[2]) as KafkaSinkOptions;
const logger = createLogger(process.env.SINK_LOG_LEVEL ?? 'info');
const sink = new KafkaSink(opts, jsonFormatter, { logger });
const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
say({ reply: 'ready', stats: sink.stats() });

const input = createInterface({ input: process.stdin });
// The test that started us is gone: exit like a crash, without closing.
input.on('close', () => process.exit(3));
input.on('line', (line) => {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd === 'write') {
    const from = Number(a);
    for (let i = from; i < from + Number(b); i++) sink.write(numberedAlert(i));
    say({ reply: 'write', stats: sink.stats() });
  } else if (cmd === 'stats') {
    say({ reply: 'stats', stats: sink.stats() });
  } else if (cmd === 'close') {
    void sink.close(Date.now() + 20_000).then(() => {
      say({ reply: 'close', stats: sink.stats() });
      process.exit(0);
    });
  }
});
