/**
 * The plugin list of mailfront's command line: the arguments after the
 * backend, then $PLUGINS, each a colon-separated list of items:
 *
 *   name    load it (or move it) to the end of the list
 *   +name   the same, to the front
 *   -name   remove it (nothing happens if it is not loaded)
 *   -*      empty the list
 *
 * No plugin is in the list twice. Empty items are skipped.
 */
export function pluginNames(argumentLists: readonly string[], pluginsEnv: string | undefined): string[] {
  let names: string[] = [];
  const items = [...argumentLists, pluginsEnv ?? ''].flatMap((list) => list.split(':')).filter((i) => i !== '');
  for (const item of items) {
    if (item === '-*') {
      names = [];
    } else if (item.startsWith('-')) {
      const name = item.slice(1);
      names = names.filter((n) => n !== name);
    } else if (item.startsWith('+')) {
      const name = item.slice(1);
      names = [name, ...names.filter((n) => n !== name)];
    } else {
      names = [...names.filter((n) => n !== item), item];
    }
  }
  return names;
}
