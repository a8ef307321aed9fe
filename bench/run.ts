/**
 * `npm run bench [-- group ...]`: runs benchmark groups (all when none is named). Each
 * group prints its figures, the ratios against its reference measured in the same run,
 * and ends with one JSON line `{"bench":"<group>", ...}`.
 */
const groups: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  storage: () => import('./storage.js'),
  apiserver: () => import('./apiserver.js'),
  protobuf: () => import('./protobuf.js'),
  apply: () => import('./apply.js'),
  scheduler: () => import('./scheduler.js'),
  controllers: () => import('./controllers.js'),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!groups[name]) {
    console.error(`unknown bench group ${name}; known: ${Object.keys(groups).join(', ')}`);
    process.exit(2);
  }
}
/** Groups the apiserver group also runs: by name only, so a full run does them once. */
const PART_OF_APISERVER = new Set(['protobuf', 'apply']);
for (const name of wanted.length ? wanted : Object.keys(groups).filter((g) => !PART_OF_APISERVER.has(g))) {
  const group = await groups[name]!();
  await group.run();
}
process.exit(0);
