// An esbuild plugin for the binaries: every import of a Node built-in
// (`node:fs`, `crypto`, …) becomes a stand-in whose exports load the real
// module on first use.
//
// Why: a program started per connection pays for every module it loads
// before its greeting. An ES module import of a built-in loads it at once
// and also builds an ES module facade over all of its exports, touching
// each lazy getter: `import { randomInt } from 'node:crypto'` (in the SASL
// code) made every start set up WebCrypto's algorithm tables (3.4 ms), and
// child_process, fs/promises, dns and dgram cost another 4 ms though most
// sessions never spawn, resolve or send a datagram. With the stand-ins a
// module is required (no facade) when a program first uses it, and code
// stays written with ordinary imports.
//
// The export names come from the Node running the build; a name that an
// older supported Node lacks reads as undefined, which the typecheck
// against @types/node 22.19 keeps away.
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const BUILTINS = new Set(builtinModules);

/** The identifier the bundle's banner defines as Node's own require. */
export const REAL_REQUIRE = '__nodeRequire';

const sources = new Map();
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The names an importer takes from a built-in, when it only takes names
 * (`import { a, b as c } from 'node:x'`, `export { a } from 'node:x'`);
 * undefined when it takes the whole module (default, namespace, require).
 * esbuild copies every export of a CommonJS module into each importer's
 * view of it, so a stand-in that offers only what is imported keeps that
 * copy to a few properties.
 */
function importedNames(importer, specifier) {
  if (!importer || !/\.[cm]?[jt]s$/.test(importer)) return undefined;
  let text = sources.get(importer);
  if (text === undefined) sources.set(importer, (text = readFileSync(importer, 'utf8')));
  const statement = new RegExp(`(?:^|[;\\n])\\s*(?:import|export)\\s+(?!type\\s)([^;'"]*?)\\s*from\\s*['"]${escape(specifier)}['"]`, 'g');
  const names = new Set();
  let found = false;
  for (const match of text.matchAll(statement)) {
    found = true;
    const clause = match[1].replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ').trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (!braces) return undefined;
    for (const part of braces[1].split(',')) {
      const item = part.trim();
      if (item === '' || item.startsWith('type ')) continue;
      const imported = item.split(/\s+as\s+/)[0].trim();
      // Anything this reading does not understand: the whole module.
      if (!/^[A-Za-z_$][\w$]*$/.test(imported)) return undefined;
      names.add(imported);
    }
  }
  return found && names.size > 0 ? [...names].sort() : undefined;
}

function standIn(name, only) {
  const all = Object.keys(require(`node:${name}`)).filter((key) => key !== 'default');
  const keys = only ?? all;
  const getters = keys.map((key) => `get ${JSON.stringify(key)}() { return load()[${JSON.stringify(key)}]; }`);
  return [
    'let real;',
    `const load = () => (real ??= ${REAL_REQUIRE}(${JSON.stringify(`node:${name}`)}));`,
    `module.exports = { ${getters.join(', ')} };`,
  ].join('\n');
}

export const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name) || name.startsWith('_')) return undefined;
      const names = args.kind === 'import-statement' ? importedNames(args.importer, args.path) : undefined;
      return { path: names ? `${name}?${names.join(',')}` : name, namespace: 'lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const [name, names] = args.path.split('?');
      return { contents: standIn(name, names?.split(',')), loader: 'js' };
    });
  },
};
