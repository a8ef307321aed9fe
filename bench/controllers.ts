/** Placeholder replaced by the controllers benchmark; until then the group reports that it has none. */
export async function run(): Promise<void> {
  console.log('bench controllers: not written yet');
}
