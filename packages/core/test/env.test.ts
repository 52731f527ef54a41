import t from 'tap';
import {
  ConfigError,
  envBoolean,
  envChoice,
  envDuration,
  envInteger,
  envIsSet,
  envList,
} from '../src/env.js';

t.test('envInteger', async (t) => {
  t.equal(envInteger({}, 'DATABYTES', 0), 0);
  t.equal(envInteger({}, 'DATABYTES', undefined), undefined);
  t.equal(envInteger({ DATABYTES: '1000' }, 'DATABYTES', 0), 1000);
  t.equal(envInteger({ DATABYTES: ' 42 ' }, 'DATABYTES', 0), 42, 'surrounding blanks from an envdir file are fine');
  t.throws(() => envInteger({ DATABYTES: '10k' }, 'DATABYTES', 0), { name: 'ConfigError', variable: 'DATABYTES' });
  t.throws(() => envInteger({ DATABYTES: '' }, 'DATABYTES', 0), /DATABYTES="" is not a whole number/);
  t.throws(() => envInteger({ DATABYTES: '-1' }, 'DATABYTES', 0), ConfigError);
  t.throws(() => envInteger({ N: '5' }, 'N', 0, { min: 10 }), /from 10 to/);
  t.throws(() => envInteger({ N: '11' }, 'N', 0, { max: 10 }), /from 0 to 10/);
  t.throws(() => envInteger({ N: '9999999999999999' }, 'N', 0), 'more digits than can be exact');
});

t.test('envDuration is in seconds unless a unit is given', async (t) => {
  t.equal(envDuration({}, 'TIMEOUT', 1_200_000), 1_200_000);
  t.equal(envDuration({ TIMEOUT: '30' }, 'TIMEOUT', 0), 30_000);
  t.equal(envDuration({ TIMEOUT: '250ms' }, 'TIMEOUT', 0), 250);
  t.equal(envDuration({ TIMEOUT: '2m' }, 'TIMEOUT', 0), 120_000);
  t.equal(envDuration({ TIMEOUT: '1h' }, 'TIMEOUT', 0), 3_600_000);
  t.equal(envDuration({ TIMEOUT: '1d' }, 'TIMEOUT', 0), 86_400_000);
  t.equal(envDuration({ TIMEOUT: '5s' }, 'TIMEOUT', 0), 5_000);
  t.throws(() => envDuration({ TIMEOUT: '5 minutes' }, 'TIMEOUT', 0), { name: 'ConfigError', variable: 'TIMEOUT' });
  t.throws(() => envDuration({ TIMEOUT: '0' }, 'TIMEOUT', 0, { min: 1 }), /TIMEOUT="0"/);
  t.throws(() => envDuration({ TIMEOUT: '400d' }, 'TIMEOUT', 0), ConfigError);
});

t.test('envBoolean', async (t) => {
  t.equal(envBoolean({}, 'X', true), true);
  for (const yes of ['1', 'yes', 'TRUE', 'on']) t.equal(envBoolean({ X: yes }, 'X', false), true, yes);
  for (const no of ['0', 'No', 'false', 'off']) t.equal(envBoolean({ X: no }, 'X', true), false, no);
  t.throws(() => envBoolean({ X: 'maybe' }, 'X', true), /X="maybe" is not a yes\/no value/);
});

t.test('envIsSet counts an empty value as set', async (t) => {
  t.equal(envIsSet({ RELAYCLIENT: '' }, 'RELAYCLIENT'), true);
  t.equal(envIsSet({}, 'RELAYCLIENT'), false);
});

t.test('envList drops empty items', async (t) => {
  t.same(envList({ PLUGINS: 'a::b:' }, 'PLUGINS'), ['a', 'b']);
  t.same(envList({}, 'PLUGINS'), []);
  t.same(envList({ L: 'a, b,c' }, 'L', /\s*,\s*/), ['a', 'b', 'c']);
});

t.test('envChoice', async (t) => {
  const policies = ['normalize', 'reject'] as const;
  t.equal(envChoice({}, 'P', policies, 'normalize'), 'normalize');
  t.equal(envChoice({ P: 'Reject' }, 'P', policies, 'normalize'), 'reject');
  t.throws(() => envChoice({ P: 'drop' }, 'P', policies, 'normalize'), /P="drop" is not one of normalize, reject/);
});
