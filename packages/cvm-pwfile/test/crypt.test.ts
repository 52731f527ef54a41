import t from 'tap';
import { crypt } from '../src/crypt.js';

// Reference values made with openssl passwd and glibc/libxcrypt crypt(3).
const pw = Buffer.from('testpass');

t.test('MD5, SHA-256 and SHA-512 crypt', async (t) => {
  for (const hash of [
    '$1$abc$DZDMjXoV1djqp8PtZVbep/',
    '$1$abcdefgh$6gJwl2Gq42UpQ648BHSDI0',
    '$1$$JN/baUhJCUwYKagp48tsP0',
    '$6$abc$WefTbXiLFaxnojbw6AkjjZ1jvYAcTniFE9cLJZ22Td9ZNk45RDja0MsPJMKrJsb7EHVn9/abaO1Hfh6mf6iFj1',
    '$6$rounds=1000$xyz$LgkeBD0CLANHNRgKHyThLjE6G4SmtzOCsei0ycjuRy2trKr25ygNqdM.uZvV8FO.kHjNbFxZhOTj.ix9gLXGU1',
    '$6$$oXFL0YnB8mDt990RSA/zs4.F42llRo.Ao2qVQdFnbjpKVUg4ZTxtc0jLbrNBuGmlGJTVjTDiygmQFU5R/NjRq1',
    '$6$abcdefghijklmnop$ne6Fd36MF73KlWEy.Gq8WRr1oUMtpSJeHLoi6m.TzRE5Ss7gQrvfI3RypX.t0sIHcpR2zM53iNWgKLJNjX81x1',
  ]) {
    t.equal(crypt(pw, hash), hash, hash.slice(0, 12));
  }
  t.equal(crypt(pw, '$1$abcdefghijk$'), '$1$abcdefgh$6gJwl2Gq42UpQ648BHSDI0', 'salt cut at 8');
  t.equal(crypt(pw, '$6$abcdefghijklmnopqrstu$'), '$6$abcdefghijklmnop$ne6Fd36MF73KlWEy.Gq8WRr1oUMtpSJeHLoi6m.TzRE5Ss7gQrvfI3RypX.t0sIHcpR2zM53iNWgKLJNjX81x1');
  t.equal(crypt(pw, '$5$abcdefgh12345678$'), '$5$abcdefgh12345678$kbFNFVHYx/JZQBkXuoiZfm3TDnfGc1YAgaT0fYn7A99');
});

t.test('refused settings', async (t) => {
  for (const s of ['$6$rounds=999$x', '$6$rounds=01000$x', '$5$rounds=1000000000$x', 'tpzv1IkcX9.fE', '$2b$10$x', '$y$j9T$x', '']) {
    t.equal(crypt(pw, s), undefined, s);
  }
});
