// The README's "Two commands", read from README.md so CI runs exactly what a new user copies.
// Usage: node tools/readme-commands.mjs start|test|check [--root DIR]
//   start / test: prints that command (after checking both); check: prints both.
// Fails (exit 1) unless the "## Two commands" section holds exactly two one-line ```sh blocks,
//   npm i -g pnpm@<packageManager's version> && pnpm install && pnpm start
//   npm i -g pnpm@<packageManager's version> && pnpm install && pnpm test
// in that order, with the version of package.json's packageManager.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const rootFlag = args.indexOf('--root');
const root = rootFlag >= 0 ? args[rootFlag + 1] : fileURLToPath(new URL('..', import.meta.url));
const rest = rootFlag >= 0 ? args.filter((_, index) => index !== rootFlag && index !== rootFlag + 1) : args;
const which = rest[0] ?? 'check';

try {
  const commands = readmeCommands(root);
  if (which === 'check') console.log(`${commands.start}\n${commands.test}`);
  else if (which === 'start' || which === 'test') console.log(commands[which]);
  else throw new Error(`unknown argument ${which}: use start, test or check`);
} catch (error) {
  console.error(`readme-commands: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

function readmeCommands(dir) {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const packageManager = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).packageManager ?? '';
  const pnpm = /^pnpm@(\d+\.\d+\.\d+)$/.exec(packageManager)?.[1];
  if (!pnpm) throw new Error(`package.json's packageManager must be pnpm@X.Y.Z (it is "${packageManager}")`);

  const section = /^## Two commands\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Two commands" section');
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)];
  if (blocks.length !== 2)
    throw new Error(`"## Two commands" must hold two code blocks (it holds ${blocks.length})`);

  const [start, test] = blocks.map(([, language, body], index) => {
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    if (language !== 'sh' || lines.length !== 1) {
      throw new Error(`"## Two commands" block ${index + 1} must be a one-line \`\`\`sh block`);
    }
    return lines[0].trim();
  });
  const expected = (script) => `npm i -g pnpm@${pnpm} && pnpm install && pnpm ${script}`;
  for (const [name, actual] of [
    ['start', start],
    ['test', test],
  ]) {
    if (actual !== expected(name)) {
      throw new Error(
        `README's ${name} command is "${actual}"; expected "${expected(name)}" (pnpm from packageManager)`,
      );
    }
  }
  return { start, test };
}
