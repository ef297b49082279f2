#!/usr/bin/env node
// The operator CLI (built by `npm run build`): submit | status [--watch] | list | cancel | download.
require('../dist/src/cli/main.js');
