import t from 'tap';
import { ucspiFromEnv, ucspiToEnv } from '../src/ucspi.js';

t.test('reads tcpserver variables under the default PROTO', async (t) => {
  const ctx = ucspiFromEnv({ TCPLOCALIP: '127.0.0.1', TCPREMOTEIP: '10.0.0.1', TCPREMOTEPORT: '4000' });
  t.equal(ctx.proto, 'TCP');
  t.equal(ctx.localIp, '127.0.0.1');
  t.equal(ctx.remoteIp, '10.0.0.1');
  t.equal(ctx.remotePort, '4000');
  t.equal(ctx.remoteHost, undefined);
});

t.test('PROTO selects the prefix and empty values count as unset', async (t) => {
  const ctx = ucspiFromEnv({ PROTO: 'SSL', SSLREMOTEIP: '1.2.3.4', SSLLOCALHOST: '', TCPREMOTEIP: 'x' });
  t.equal(ctx.proto, 'SSL');
  t.equal(ctx.remoteIp, '1.2.3.4');
  t.equal(ctx.localHost, undefined);
  t.equal(ucspiFromEnv({ PROTO: '' }).proto, 'TCP');
});

t.test('round-trips through the environment form', async (t) => {
  const env = { PROTO: 'TCP', TCPLOCALHOST: 'mx.example', TCPREMOTEIP: '10.0.0.1', TCPREMOTEINFO: 'ident' };
  t.same(ucspiToEnv(ucspiFromEnv(env)), env);
});
