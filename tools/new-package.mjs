// Stamps a publishable workspace package with the shared build, typecheck and lint setup.
// Usage: node tools/new-package.mjs <dir-name> <description>
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';

const [dir, ...desc] = process.argv.slice(2);
if (!dir) throw new Error('usage: node tools/new-package.mjs <dir-name> <description>');
const REPO = 'https://github.com/clickpesa-kit/clickpesa-kit';
const root = new URL(`../packages/${dir}/`, import.meta.url);
if (existsSync(new URL('package.json', root))) throw new Error(`packages/${dir} exists`);
mkdirSync(new URL('src/', root), { recursive: true });
mkdirSync(new URL('test/', root), { recursive: true });
const pkg = {
  name: `@clickpesa-kit/${dir}`,
  version: '0.1.0',
  description: desc.join(' '),
  keywords: ['clickpesa', 'mobile-money', 'payments', 'ussd-push', 'tanzania', 'm-pesa'],
  license: 'MIT',
  author: 'clickpesa-kit contributors',
  repository: { type: 'git', url: `git+${REPO}.git`, directory: `packages/${dir}` },
  homepage: `${REPO}/tree/main/packages/${dir}#readme`,
  bugs: { url: `${REPO}/issues` },
  type: 'module',
  sideEffects: false,
  exports: {
    '.': {
      '@clickpesa-kit/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  // The build only: source maps would point at src/, which is not published.
  files: ['dist', '!dist/**/*.map'],
  engines: { node: '>=20.18' },
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json',
    lint: 'publint --strict && attw --pack . --profile node16',
  },
  dependencies: { '@clickpesa-kit/core': 'workspace:^' },
  devDependencies: {},
};
const write = (name, text) => writeFileSync(new URL(name, root), text);
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
write('tsconfig.json', '{ "extends": "../../tsconfig.base.json", "include": ["src", "test", "*.ts"] }\n');
write(
  'tsup.config.ts',
  `import { defineConfig } from 'tsup';\nimport { nodePackage } from '../../tsup.preset.js';\n\nexport default defineConfig(nodePackage());\n`,
);
write(
  'vitest.config.ts',
  `import { packageProject } from '../../vitest.shared';\n\nexport default packageProject('${dir}');\n`,
);
write('src/index.ts', 'export {};\n');
// What the tarball check in packages/install-tests expects of every published package.
copyFileSync(new URL('../LICENSE', import.meta.url), new URL('LICENSE', root));
write(
  'README.md',
  `# @clickpesa-kit/${dir}\n\n${desc.join(' ')}\n\n## Install\n\n\`\`\`sh\nnpm install @clickpesa-kit/${dir}\n\`\`\`\n`,
);
write('CHANGELOG.md', `# @clickpesa-kit/${dir}\n`);
console.log(`created packages/${dir}`);
