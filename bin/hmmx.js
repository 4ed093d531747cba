#!/usr/bin/env node
'use strict';
// The CLI is compiled to dist/ by `npm ci` (the `prepare` script).
require('../dist/src/cli/main.js').main(process.argv.slice(2));
