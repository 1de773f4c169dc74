// The kafkajs producer behind the Kafka sink: connects on demand and sends
// one batch of finished messages per call as one sendBatch request.
import { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../log';
import { clientConfig } from './kafka-client';
import type { OutMessage } from './kafka-record';
import type { KafkaSinkOptions } from './options';

/** The broker refused a message or a batch as too large: retrying cannot help. */
export function isTooLarge(e: unknown): boolean {
  // kafkajs may wrap the protocol error (retries exhausted, non-retriable).
  for (let err = e as { type?: string; cause?: unknown; originalError?: unknown } | null, i = 0; err && i < 5; i++) {
    if (/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/.test(String(err.type))) return true;
    err = (err.cause ?? err.originalError ?? null) as typeof err;
  }
  return false;
}

/** An error as log fields (the message may carry broker text: it stays under a key). */
export function errInfo(e: unknown): { name: string; message: string; type?: string } {
  const err = e as { name?: string; message?: string; type?: string } | null;
  return { name: String(err?.name), message: String(err?.message ?? e), ...(err?.type ? { type: err.type } : {}) };
}

export class AlertProducer {
  private readonly producer: Producer;
  private readonly compression: number;
  private connected = false;

  /** Throws on configuration that cannot work (codec, TLS files, SASL). */
  constructor(
    private readonly opts: KafkaSinkOptions,
    logger: Logger,
    private readonly onDelivered?: (writtenAt: readonly number[], ackedAt: number) => void,
  ) {
    const cfg = clientConfig(opts, logger);
    this.compression = cfg.compression;
    this.producer = new Kafka(cfg.kafka).producer(cfg.producer);
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Sends messages in order (per topic and partition), waiting for the configured acks. */
  async send(msgs: OutMessage[]): Promise<void> {
    await this.connect();
    const byTopic = new Map<string, Message[]>();
    for (const m of msgs) {
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push({ key: m.key, value: m.value, timestamp: String(m.at), headers: { rule: m.rule, priority: m.priority, node: m.node } });
    }
    await this.producer.sendBatch({
      acks: this.opts.acks,
      timeout: this.opts.requestTimeoutMs,
      compression: this.compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    this.onDelivered?.(
      msgs.map((m) => m.at),
      Date.now(),
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
