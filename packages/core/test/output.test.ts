import t from 'tap';
import { PassThrough, Writable } from 'node:stream';
import { Output } from '../src/output.js';

function slowSink(delayMs: number) {
  const received: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _enc, cb) {
      setTimeout(() => {
        received.push(chunk);
        cb();
      }, delayMs);
    },
  });
  return { stream, received };
}

t.test('flush resolves only after every write has completed', async (t) => {
  const { stream, received } = slowSink(10);
  const out = new Output(stream);
  out.write('220 hello\r\n');
  out.write(Buffer.from('221 bye\r\n'));
  out.write('');
  t.equal(received.length, 0);
  await out.flush();
  t.equal(Buffer.concat(received).toString(), '220 hello\r\n221 bye\r\n');
  t.equal(out.bytesOut, 20);
  await out.flush();
  t.pass('flush with nothing pending resolves at once');
});

t.test('a dead peer makes writes no-ops and flush still resolves', async (t) => {
  const stream = new Writable({
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const out = new Output(stream);
  out.write('421 going\r\n');
  await out.flush();
  t.match(out.failed?.message, /EPIPE/);
  out.write('more');
  t.equal(out.bytesOut, 11, 'nothing more is attempted');
});

t.test('a destroyed stream wakes flush', async (t) => {
  const { stream } = slowSink(1000);
  const out = new Output(stream);
  out.write('x');
  setTimeout(() => stream.destroy(), 10);
  await out.flush();
  t.pass('flush returned although the write never completed');
});

t.test('needsDrain and replaceStream', async (t) => {
  const { stream } = slowSink(5);
  const out = new Output(stream);
  out.write('12345678');
  t.equal(out.needsDrain, true);
  await out.flush();
  const next = new PassThrough();
  out.replaceStream(next);
  out.write('tls');
  await out.flush();
  t.equal(next.read()!.toString(), 'tls');
});

t.test('drainedWithin: at once when not backed up, else until drained or the time is up', async (t) => {
  const fast = slowSink(1);
  const out = new Output(fast.stream);
  t.equal(await out.drainedWithin(10), true, 'nothing pending');
  out.write('123456789');
  t.equal(await out.drainedWithin(1000), true, 'drains in time');
  const stuck = new Writable({ highWaterMark: 4, write() {} });
  const blocked = new Output(stuck);
  blocked.write('123456789');
  t.equal(await blocked.drainedWithin(30), false, 'a peer that never reads');
});
