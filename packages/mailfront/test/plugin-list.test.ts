import t from 'tap';
import { pluginNames } from '../src/engine/plugin-list.js';

t.test('arguments then PLUGINS, colon lists, no duplicates', async (t) => {
  t.same(pluginNames(['a', 'b:c'], undefined), ['a', 'b', 'c']);
  t.same(pluginNames(['a:b', 'a'], undefined), ['b', 'a'], 'a name given again moves to the end');
  t.same(pluginNames(['a', '', 'b::'], ''), ['a', 'b'], 'empty items skipped');
});

t.test('+name to the front, -name removes, -* empties', async (t) => {
  t.same(pluginNames(['a:b'], '+c'), ['c', 'a', 'b']);
  t.same(pluginNames(['a:b'], '+b'), ['b', 'a']);
  t.same(pluginNames(['a:b'], '-a'), ['b']);
  t.same(pluginNames(['a:b'], '-x'), ['a', 'b'], 'removing what is not loaded does nothing');
  t.same(pluginNames(['a:b'], '-*:c'), ['c']);
  t.same(pluginNames(['accept'], 'accept:+reject:-reject'), ['accept'], 'the P22 transcript');
});
