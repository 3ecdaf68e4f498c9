// Runs one of the action's bash scripts with the action's inputs as PW_* variables (input names hold '-', which a shell
// variable cannot), the runner's worker process (this script's parent) as the process to watch, and exits with its code.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

module.exports = function run(script) {
  const env = { ...process.env, PW_WATCH_PID: String(process.ppid) };
  for (const name of ['events', 'post-url', 'token', 'mode', 'fail-on', 'program', 'version']) {
    env['PW_' + name.toUpperCase().replace(/-/g, '_')] = (process.env['INPUT_' + name.toUpperCase()] || '').trim();
  }
  const result = spawnSync('bash', [path.join(__dirname, script)], { env, stdio: 'inherit' });
  process.exit(result.status === null ? 1 : result.status);
};
