// Run by docker/entrypoint.sh before Roger starts. The image's defaults apply only to keys that neither
// the config file nor the environment sets, so a config.yml written for `bin/roger serve` means the same
// here. Prints shell assignments for the entrypoint to eval: `export` lines for those defaults, and the
// socket, writable directories and health URL that the effective configuration implies.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../dist/config/load.js';

/** Where the announcement's `docker run` mounts things. */
const CONFIG_FILE = '/config.yml';
const SOCKET = '/tmp/docker.sock';
const DATABASE = 'sqlite:/db/roger.db';
const PORT = 6600;
/** docker stop waits 10 s before SIGKILL: builds get 5 s, teardown and the final writes the rest. */
const SHUTDOWN_GRACE = 5;

const [, , ...args] = process.argv;
const env = { ...process.env };
const exports = {};

const { values } = parseArgs({
  args: args.slice(1),
  options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  strict: false,
  allowPositionals: true,
});

let file = typeof values.config === 'string' ? values.config : env.ROGER_CONFIG || undefined;
if (file === undefined && existsSync(CONFIG_FILE)) {
  // Docker creates a directory where a bind-mounted file is missing on the host.
  if (statSync(CONFIG_FILE).isDirectory()) {
    process.stderr.write(
      `roger: ${CONFIG_FILE} is a directory, not a config file: the file mounted there does not exist on the host (docker run -v /path/to/config.yml:${CONFIG_FILE})\n`,
    );
    process.exit(2);
  }
  file = exports.ROGER_CONFIG = CONFIG_FILE;
}

let written = {};
try {
  if (file !== undefined) written = parse(readFileSync(file, 'utf8')) ?? {};
} catch {
  // Unreadable or invalid: Roger itself reports it with the line, and exits 2.
}

const norm = (s) => s.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
/** True when some ROGER_ variable sets `path`, a key inside it or a mapping above it. */
function envSets(path) {
  return Object.keys(env).some((name) => {
    if (name === 'ROGER_CONFIG' || !name.startsWith('ROGER_')) return false;
    const segments = name.startsWith('ROGER_CONFIG_') ? name.slice(13).split('_') : name.slice(6).split('__');
    const n = Math.min(segments.length, path.length);
    return segments.slice(0, n).every((s, i) => norm(s) === norm(path[i]));
  });
}
function fileSets(path) {
  let node = written;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}
function setDefault(path, name, value) {
  if (fileSets(path) || envSets(path)) return false;
  env[name] = exports[name] = String(value);
  return true;
}

setDefault(['app', 'host'], 'ROGER_APP__HOST', '0.0.0.0');
if (values.port === undefined && setDefault(['app', 'port'], 'ROGER_APP__PORT', PORT)) {
  setDefault(['app', 'url'], 'ROGER_APP__URL', `http://localhost:${PORT}`);
}
setDefault(['docker', 'client'], 'ROGER_DOCKER__CLIENT__SOCKET_PATH', SOCKET);
setDefault(['database', 'url'], 'ROGER_DATABASE__URL', DATABASE);
setDefault(['builds', 'shutdownGrace'], 'ROGER_BUILDS__SHUTDOWN_GRACE', SHUTDOWN_GRACE);

let socket = '';
const dirs = [];
let health = '';
try {
  const config = loadConfig({ file, env });
  const client = config.docker.client;
  if (client.socketPath && !client.host) socket = client.socketPath;
  dirs.push(config.paths.builds);
  const db = config.database.url?.trim() ?? '';
  if (db === '') dirs.push(config.paths.builds);
  else if (db.startsWith('sqlite:') && !db.includes(':memory:')) dirs.push(dirname(db.slice(7).replace(/^\/\//, '')));
  // Only `serve` answers /healthz; an agent's container is healthy while it runs.
  if (args[0] === 'serve') {
    const host = typeof values.host === 'string' ? values.host : config.app.host;
    const port = typeof values.port === 'string' ? values.port : config.app.port;
    const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    health = `http://${reach}:${port}/healthz`;
  }
} catch {
  // Roger reports configuration errors itself (file:line:col, exit 2); nothing to check before that.
}

const quote = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;
const lines = Object.entries(exports).map(([k, v]) => `export ${k}=${quote(v)}`);
lines.push(`roger_socket=${quote(socket)}`, `roger_dirs=${quote([...new Set(dirs)].join('\n'))}`, `roger_health=${quote(health)}`);
process.stdout.write(`${lines.join('\n')}\n`);
