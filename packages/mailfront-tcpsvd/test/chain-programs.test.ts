// greetwait and proxy-env in-process in a session, as mailfront-tcpsvd
// runs them: early, patient and silent clients; a patient client's bytes
// reach a program of another project spawned after the wait; a PROXY header
// read off the socket sets the next program's environment.
import t from 'tap';
import { main as greetwait } from '@mailfront/greetwait/main';
import { main as proxyEnv } from '@mailfront/proxy-env/main';
import { haproxyV2 } from '@mailfront/testkit';
import { Session } from '../src/session.js';
import { IN_PROCESS } from '../src/programs.js';
import { connection, harness, received } from './helpers/listener.js';

const SPAWNED = ['/bin/sh', '-c', 'echo "220 sh greets $TCPREMOTEIP"; read line; echo "got $line"; exit 4'];

t.test('the in-process table knows greetwait and proxy-env and the rest of their chains', async (t) => {
  t.same(IN_PROCESS.get('greetwait')?.next?.(['5', 'rblsmtpd', 'x']), ['rblsmtpd', 'x']);
  t.same(IN_PROCESS.get('proxy-env')?.next?.(['mailfront-smtpd', 'qmail']), ['mailfront-smtpd', 'qmail']);
});

t.test('greetwait in-process: a patient client is greeted by a spawned program and loses nothing', async (t) => {
  const h = harness({ programs: { greetwait }, program: ['greetwait', '300ms', ...SPAWNED] });
  const c = await connection();
  const seen = received(c.client);
  // Patient: it talks only once greeted.
  c.client.once('data', () => c.client.write('EHLO patient\n'));
  t.equal((await new Session(h.listener, 21, c.server, 1).run()).status, 4);
  t.equal(await seen, '220 sh greets 127.0.0.1\ngot EHLO patient\n');
  t.equal(h.stderr.text(), '');
});

t.test('greetwait in-process: an early talker gets the 554; a silent client is greeted', async (t) => {
  const h = harness({ programs: { greetwait }, program: ['greetwait', '5', ...SPAWNED] });
  const early = await connection();
  const refused = received(early.client);
  early.client.write('EHLO early\r\n');
  t.equal((await new Session(h.listener, 22, early.server, 1).run()).status, 1);
  t.equal(await refused, '554 5.7.1 Protocol violation: you talked before my greeting; closing connection.\r\n');
  t.match(h.stderr.text(), /^greetwait\[22\]: early talker 127\.0\.0\.1 after \d+\.\d s: "EHLO early\\r\\n"\n$/);

  const quiet = harness({ programs: { greetwait }, program: ['greetwait', '200ms', ...SPAWNED] });
  const silent = await connection();
  const greeted = received(silent.client);
  silent.client.once('data', () => silent.client.end());
  await new Session(quiet.listener, 23, silent.server, 1).run();
  t.match(await greeted, /^220 sh greets 127\.0\.0\.1\n/);
});

t.test('proxy-env in-process: the next program sees the client the header names', async (t) => {
  const h = harness({ programs: { 'proxy-env': proxyEnv }, program: ['proxy-env', ...SPAWNED], env: { PATH: '/usr/bin:/bin', PROXY_FROM: '127.0.0.1' } });
  const c = await connection();
  const seen = received(c.client);
  c.client.write(haproxyV2({ source: '203.0.113.5', sourcePort: 4000, destination: '192.0.2.1', destinationPort: 25 }));
  c.client.once('data', () => c.client.write('EHLO behind.proxy\n'));
  t.equal((await new Session(h.listener, 24, c.server, 1).run()).status, 4);
  t.equal(await seen, '220 sh greets 203.0.113.5\ngot EHLO behind.proxy\n');
  t.match(h.stderr.text(), /^proxy-env\[24\]: v2 from 127\.0\.0\.1: client 203\.0\.113\.5 port 4000, to 192\.0\.2\.1 port 25\n$/);
});
