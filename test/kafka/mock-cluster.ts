// librdkafka's mock cluster (test/helpers/kafkamock.c) as a child process,
// and a kafkajs consumer that reads a topic back.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { IHeaders, Kafka, logLevel } from 'kafkajs';

export const KAFKAMOCK = path.resolve(__dirname, '../../helpers/kafkamock');

export interface MockCluster {
  /** host:port,host:port,... */
  bootstrap: string;
  brokers: string[];
  /** Broker ids are 1..N; 'all' for every broker. */
  down(id: number | 'all'): Promise<void>;
  up(id: number | 'all'): Promise<void>;
  createTopic(name: string, partitions: number, replicationFactor: number): Promise<void>;
  /** The next requests of API `apiKey` (0 = Produce) fail with these Kafka error codes, one each. */
  failRequests(apiKey: number, errorCodes: number[]): Promise<void>;
  stop(): Promise<void>;
}

/** Why the mock cluster cannot run here, or null. */
export function mockUnavailable(): string | null {
  return existsSync(KAFKAMOCK) ? null : `${KAFKAMOCK} is not built (needs librdkafka-dev; run scripts/bootstrap.sh --test)`;
}

/** Skips the suite (fails it in CI) when the mock cluster is not built. */
export function requireMock(ctx: Mocha.Context): void {
  const why = mockUnavailable();
  if (!why) return;
  if (process.env.CI) throw new Error(`Kafka tests need the mock cluster but ${why}`);
  process.stderr.write(`\n!!! SKIPPING Kafka tests: ${why}\n\n`);
  ctx.skip();
}

export async function startMockCluster(brokers = 3): Promise<MockCluster> {
  const child: ChildProcess = spawn(KAFKAMOCK, [String(brokers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  const early: string[] = [];
  lines.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else early.push(l);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // could not start: nextLine() rejects
  });
  const nextLine = (): Promise<string> => {
    const l = early.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(() => reject(new Error('kafkamock exited')));
    });
  };
  let chain: Promise<unknown> = Promise.resolve();
  const command = (cmd: string): Promise<void> => {
    const p = chain.then(async () => {
      child.stdin!.write(`${cmd}\n`);
      const reply = await nextLine();
      if (!reply.startsWith('ok')) throw new Error(`kafkamock: "${cmd}": ${reply}`);
    });
    chain = p.catch(() => undefined);
    return p;
  };
  const bootstrap = await nextLine();
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    down: (id) => command(`down ${id}`),
    up: (id) => command(`up ${id}`),
    createTopic: (name, partitions, rf) => command(`topic ${name} ${partitions} ${rf}`),
    failRequests: (apiKey, codes) => command(`errors ${apiKey} ${codes.join(' ')}`),
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end('quit\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

function headerStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  return out;
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `until`
 * says enough (or `timeoutMs` passes), then `lingerMs` more to catch what
 * should not be there (duplicates); messages per partition in offset order.
 */
export async function consumeTopic(
  brokers: string[],
  topic: string,
  until: (msgs: ConsumedMessage[]) => boolean,
  { timeoutMs = 60_000, lingerMs = 0 } = {},
): Promise<ConsumedMessage[]> {
  const kafka = new Kafka({ brokers, clientId: 'test-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-${topic}-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const msgs: ConsumedMessage[] = [];
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const timer = setTimeout(resolveDone, timeoutMs);
  let finishing = false;
  const finish = (): void => {
    if (finishing) return;
    finishing = true;
    setTimeout(resolveDone, lingerMs);
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          msgs.push({
            partition: batch.partition,
            offset: Number(m.offset),
            key: m.key?.toString('utf8') ?? '',
            value: m.value?.toString('utf8') ?? '',
            headers: headerStrings(m.headers),
            timestamp: Number(m.timestamp),
          });
        }
        if (until(msgs)) finish();
      },
    });
    if (until(msgs)) finish();
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return msgs;
}
