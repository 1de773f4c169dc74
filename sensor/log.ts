// Logs are JSON lines on stderr (stdout carries events and alerts). Workload
// strings go under their own keys, never into the message.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.SENSOR_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
