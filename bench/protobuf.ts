/** Placeholder replaced by the protobuf benchmark; until then the group reports that it has none. */
export async function run(): Promise<void> {
  console.log('bench protobuf: not written yet');
}
