#!/usr/bin/env node
// The `wavflow` executable (package.json's bin, `node dist/cli.js`): the commands live in ./cli/.
import { runCli } from './cli/index';

runCli();
