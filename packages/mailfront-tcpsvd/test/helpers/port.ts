/** A ProcessPort stand-in: signals and IPC messages are delivered by the test. */
import { join } from 'node:path';
import type { ProcessPort, Signal } from '../../src/process-port.js';
import type { IdSetter } from '../../src/privileges.js';

export const BUNDLE = join(import.meta.dirname, '../../dist/mailfront-tcpsvd.js');

export interface FakePort extends ProcessPort {
  signal(name: Signal): void;
  message(message: unknown, handle?: unknown): void;
  disconnect(): void;
  crash(e: unknown): void;
  sent: unknown[];
}

export function fakePort(ids?: IdSetter): FakePort {
  const signals = new Map<Signal, Array<() => void>>();
  const onMessage: Array<(m: unknown, h: unknown) => void> = [];
  const onDisconnect: Array<() => void> = [];
  const onCrash: Array<(e: unknown) => void> = [];
  const sent: unknown[] = [];
  return {
    script: BUNDLE,
    execArgv: [],
    sharedOutput: false,
    onSignal: (name, handler) => signals.set(name, [...(signals.get(name) ?? []), handler]),
    onCrash: (handler) => onCrash.push(handler),
    onMessage: (handler) => onMessage.push(handler),
    send: (m) => sent.push(m),
    onDisconnect: (handler) => onDisconnect.push(handler),
    ids: ids ?? (process as unknown as IdSetter),
    signal: (name) => signals.get(name)?.forEach((h) => h()),
    message: (m, h) => onMessage.forEach((f) => f(m, h)),
    disconnect: () => onDisconnect.forEach((f) => f()),
    crash: (e) => onCrash.forEach((f) => f(e)),
    sent,
  };
}
