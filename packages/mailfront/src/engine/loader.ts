/**
 * Finds plugin and backend modules by name: the built-in ones first (as
 * mailfront looks at its built-ins before loading a .so), then a file path
 * (`./my-plugin.js`, `/etc/mailfront/check.mjs`), then an npm package
 * named `mailfront-plugin-*` or `@scope/mailfront-plugin-*`. Only such
 * names are imported, so a mistyped built-in name is an error and never
 * loads some unrelated installed package. An external module is an ES
 * module whose default export (or `plugin`/`backend` export) is a
 * PluginModule.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginModule } from './plugin.js';

export class LoadError extends Error {
  constructor(
    readonly kind: 'backend' | 'plugin',
    readonly moduleName: string,
    reason: string,
  ) {
    super(`Error loading ${kind} ${moduleName}: ${reason}`);
    this.name = 'LoadError';
  }
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?mailfront-plugin-[a-z0-9._-]+$/;

function looksLikePath(name: string): boolean {
  return name.startsWith('.') || name.startsWith('/') || /\.[cm]?js$/.test(name);
}

function isPluginModule(value: unknown): value is PluginModule {
  const m = value as PluginModule | undefined;
  return typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.create === 'function';
}

export async function loadModule(
  kind: 'backend' | 'plugin',
  name: string,
  builtins: ReadonlyMap<string, PluginModule>,
  cwd: string = process.cwd(),
): Promise<PluginModule> {
  const builtin = builtins.get(name);
  if (builtin) return builtin;
  let specifier: string;
  if (looksLikePath(name)) specifier = pathToFileURL(isAbsolute(name) ? name : resolve(cwd, name)).href;
  else if (PACKAGE_NAME.test(name)) specifier = name;
  else throw new LoadError(kind, name, `no built-in ${kind} of that name`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    const notFound = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /^Cannot find (module|package)/.test((e as Error).message);
    const reason = notFound ? 'no such module' : (e as Error).message;
    throw new LoadError(kind, name, reason);
  }
  const candidate = [loaded.default, loaded.plugin, loaded.backend].find(isPluginModule);
  if (!candidate) throw new LoadError(kind, name, 'the module exports no plugin (name and create)');
  return candidate;
}
