export { checkLinks, formatProblem } from './check.js';
export type { Problem } from './check.js';
export { outline, slug } from './markdown.js';
export type { Link, Outline } from './markdown.js';
export { documentationFiles } from './files.js';
