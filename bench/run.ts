/**
 * `npm run bench [-- group ...]`: runs benchmark groups (all when none is named). Each
 * group prints its figures, the ratios against its reference measured in the same run,
 * and ends with one JSON line `{"bench":"<group>", ...}`.
 */
const groups: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  storage: () => import('./storage.js'),
  apiserver: () => import('./apiserver.js'),
  protobuf: () => import('./protobuf.js'),
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
for (const name of wanted.length ? wanted : Object.keys(groups)) {
  const group = await groups[name]!();
  await group.run();
}
process.exit(0);
