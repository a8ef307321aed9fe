/**
 * The import layering of DESIGN.md §2, enforced by `npm run lint`:
 *   util ← api ← {storage, client} ← components ← cmd/cli
 * Only the apiserver touches storage; component folders meet only through the API.
 */
const COMPONENTS = ['apiserver', 'scheduler', 'controllers', 'kubelet', 'runtime', 'proxy', 'dns', 'ingress'];
const component = `^src/(${COMPONENTS.join('|')})/`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'util-is-the-bottom',
      comment: 'src/util imports nothing internal',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'api-is-pure',
      comment: 'src/api builds only on util',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/(util|api)/' },
    },
    {
      name: 'storage-and-client-below-components',
      comment: 'storage and client build on util and api only, and not on each other',
      severity: 'error',
      from: { path: '^src/(storage|client)/' },
      to: { path: '^src/', pathNot: '^src/(util|api|$1)/' },
    },
    {
      name: 'only-apiserver-touches-storage',
      severity: 'error',
      from: { path: component, pathNot: '^src/apiserver/' },
      to: { path: '^src/storage/' },
    },
    {
      name: 'components-meet-only-through-the-api',
      comment: 'a component folder never imports another (the kubelet may use its runtime)',
      severity: 'error',
      from: { path: component },
      to: { path: component, pathNot: ['^src/$1/', '^src/runtime/'] },
    },
    {
      name: 'runtime-below-kubelet',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/kubelet/' },
    },
    {
      name: 'nothing-imports-entry-points',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cmd|cli)/' },
      to: { path: '^src/(cmd|cli)/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test(-suite)?\\.ts$' },
      to: { path: ['^test/', '^bench/', '\\.test(-suite)?\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
