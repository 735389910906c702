import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILD_INFO_FILE, describeBuild } from './build-id';

/** `npm run build`'s last step: records the build's identity in dist/ (see build-id.ts). */
const distDir = resolve(__dirname, '..');
const info = describeBuild(resolve(distDir, '..'), distDir);
writeFileSync(join(distDir, BUILD_INFO_FILE), `${JSON.stringify(info)}\n`);
console.log(`build ${info.version}+${info.source}`);
