/** Placeholder replaced by the scheduler benchmark; until then the group reports that it has none. */
export async function run(): Promise<void> {
  console.log('bench scheduler: not written yet');
}
